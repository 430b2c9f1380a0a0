package articles

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits enforced by Validate.
const (
	MaxTitleLen   = 200        // characters, after trimming surrounding space
	MaxAuthorLen  = 100        // characters
	MaxContentLen = 100 * 1024 // bytes
	MaxTags       = 20
	MaxTagLen     = 32 // characters
)

// Validate checks every field of d and reports all problems at once as a
// *ValidationError, or returns nil. It never changes d: text is stored
// exactly as sent.
func Validate(d Draft) error {
	var v validator
	title := strings.TrimSpace(d.Title)
	if title == "" {
		v.add("title", "required", "is required")
	} else {
		v.line("title", d.Title, title, MaxTitleLen)
	}
	v.line("author", d.Author, d.Author, MaxAuthorLen)

	switch {
	case len(d.Content) > MaxContentLen:
		v.add("content", "too_long", "must be at most %d bytes", MaxContentLen)
	case !utf8.ValidString(d.Content):
		v.add("content", "invalid_utf8", "must be valid UTF-8")
	case strings.ContainsFunc(d.Content, isForbiddenInContent):
		v.add("content", "control_character", "must not contain control characters other than tab and line breaks")
	}

	if len(d.Tags) > MaxTags {
		v.add("tags", "too_many", "must have at most %d tags", MaxTags)
	}
	seen := make(map[string]bool, len(d.Tags))
	for i, tag := range d.Tags {
		field := fmt.Sprintf("tags[%d]", i)
		switch {
		case strings.TrimSpace(tag) == "":
			v.add(field, "required", "must not be blank")
		case !v.line(field, tag, tag, MaxTagLen):
		case seen[tag]:
			v.add(field, "duplicate", "repeats tag %q", tag)
		}
		seen[tag] = true
	}
	return v.err()
}

type validator struct{ fields []FieldError }

func (v *validator) add(field, code, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// line checks a single-line text field, measuring its length on counted
// (which may be s trimmed), and reports whether it is valid.
func (v *validator) line(field, s, counted string, maxLen int) bool {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "invalid_utf8", "must be valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		v.add(field, "control_character", "must not contain control characters")
	case utf8.RuneCountInString(counted) > maxLen:
		v.add(field, "too_long", "must be at most %d characters", maxLen)
	default:
		return true
	}
	return false
}

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

func isForbiddenInContent(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
}
