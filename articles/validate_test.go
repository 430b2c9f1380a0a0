package articles_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/articlekit/articlekit/articles"
)

func TestValidate(t *testing.T) {
	tags := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "t" + strings.Repeat("x", i)
		}
		return out
	}
	tests := []struct {
		name  string
		draft articles.Draft
		want  []string // field:code, in order
	}{
		{"minimal", articles.Draft{Title: "T"}, nil},
		{"title trimmed to 200", articles.Draft{Title: "  " + strings.Repeat("é", 200) + "\u3000"}, nil},
		{"title 201", articles.Draft{Title: strings.Repeat("a", 201)}, []string{"title:too_long"}},
		{"title blank", articles.Draft{Title: " \u00a0 "}, []string{"title:required"}},
		{"title newline", articles.Draft{Title: "a\nb"}, []string{"title:control_character"}},
		{"title invalid utf8", articles.Draft{Title: "a\xffb"}, []string{"title:invalid_utf8"}},
		{"author 100", articles.Draft{Title: "T", Author: strings.Repeat("ü", 100)}, nil},
		{"author 101", articles.Draft{Title: "T", Author: strings.Repeat("a", 101)}, []string{"author:too_long"}},
		{"author DEL", articles.Draft{Title: "T", Author: "a\x7f"}, []string{"author:control_character"}},
		{"content line breaks and tabs", articles.Draft{Title: "T", Content: "a\r\n\tb\n"}, nil},
		{"content 100 KiB", articles.Draft{Title: "T", Content: strings.Repeat("a", 100*1024)}, nil},
		{"content over 100 KiB", articles.Draft{Title: "T", Content: strings.Repeat("a", 100*1024+1)}, []string{"content:too_long"}},
		{"content NUL", articles.Draft{Title: "T", Content: "a\x00"}, []string{"content:control_character"}},
		{"content C1", articles.Draft{Title: "T", Content: "a\u0085"}, []string{"content:control_character"}},
		{"20 tags", articles.Draft{Title: "T", Tags: tags(20)}, nil},
		{"21 tags", articles.Draft{Title: "T", Tags: tags(21)}, []string{"tags:too_many"}},
		{"tag 33", articles.Draft{Title: "T", Tags: []string{strings.Repeat("x", 33)}}, []string{"tags[0]:too_long"}},
		{"tag blank and duplicate", articles.Draft{Title: "T", Tags: []string{"a", " ", "a"}}, []string{"tags[1]:required", "tags[2]:duplicate"}},
		{"SQL and HTML are text", articles.Draft{Title: "'; DROP TABLE x;--", Content: "<script>", Tags: []string{"<b>"}}, nil},
		{"everything wrong", articles.Draft{Title: "", Author: "\x01", Content: "\x02", Tags: []string{""}},
			[]string{"title:required", "author:control_character", "content:control_character", "tags[0]:required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := articles.Validate(tt.draft)
			var got []string
			var verr *articles.ValidationError
			if errors.As(err, &verr) {
				for _, f := range verr.Fields {
					got = append(got, f.Field+":"+f.Code)
				}
			} else if err != nil {
				t.Fatalf("Validate returned %T, want *ValidationError", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Validate = %v, want %v", got, tt.want)
			}
		})
	}
}

// Validate must never panic, must report only known codes, and must accept
// exactly what the documented rules allow.
func FuzzValidate(f *testing.F) {
	f.Add("Title", "content", "author", "tag", "tag2")
	f.Add(" ", "\x00", "\xff", "", "")
	f.Add(strings.Repeat("x", 201), strings.Repeat("y", 200), "a\u2028", "dup", "dup")
	codes := []string{"required", "too_long", "too_many", "duplicate", "control_character", "invalid_utf8"}
	f.Fuzz(func(t *testing.T, title, content, author, tag1, tag2 string) {
		d := articles.Draft{Title: title, Content: content, Author: author, Tags: []string{tag1, tag2}}
		err := articles.Validate(d)
		var verr *articles.ValidationError
		if err != nil && !errors.As(err, &verr) {
			t.Fatalf("Validate returned %T", err)
		}
		if verr != nil {
			for _, fe := range verr.Fields {
				if !slices.Contains(codes, fe.Code) || fe.Message == "" {
					t.Fatalf("unknown field error %+v", fe)
				}
			}
			return
		}
		// Accepted: check the rules independently.
		trimmed := strings.TrimSpace(title)
		if trimmed == "" || utf8.RuneCountInString(trimmed) > articles.MaxTitleLen || !utf8.ValidString(title) ||
			utf8.RuneCountInString(author) > articles.MaxAuthorLen || len(content) > articles.MaxContentLen ||
			tag1 == tag2 || strings.TrimSpace(tag1) == "" || utf8.RuneCountInString(tag2) > articles.MaxTagLen {
			t.Fatalf("Validate accepted %+v", d)
		}
	})
}
