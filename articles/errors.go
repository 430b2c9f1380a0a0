package articles

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound reports that no live article has the requested id.
	ErrNotFound = errors.New("article not found")
	// ErrConflict reports that a write's precondition did not hold: the
	// article changed since the caller read it, or exists when it should not.
	ErrConflict = errors.New("article version conflict")
	// ErrUnavailable reports that the article store cannot be reached, or
	// does not serve this caller now (a remote API that refuses its
	// credentials, say); the same call may succeed later.
	ErrUnavailable = errors.New("article store unavailable")
	// ErrInvalid reports a request or change refused as invalid: retrying
	// it cannot succeed. A *ValidationError, which also names the fields,
	// is one (errors.Is(err, ErrInvalid) holds for it); a remote API's
	// refusal of a malformed request is another.
	ErrInvalid = errors.New("invalid article request")
)

// ChangeError says which change of a batch failed (see
// Service.ApplyBatch); it wraps the change's own error.
type ChangeError struct {
	// Index is the position of the change in the batch.
	Index int
	// Err is why it failed.
	Err error
}

// Error names the change and its error.
func (e *ChangeError) Error() string {
	return fmt.Sprintf("change %d: %v", e.Index, e.Err)
}

// Unwrap returns the change's error.
func (e *ChangeError) Unwrap() error { return e.Err }

// FieldError is one invalid field.
type FieldError struct {
	// Field is the JSON name of the field, e.g. "title" or "tags[3]".
	Field string `json:"field"`
	// Code is a stable, machine-readable reason, e.g. "required" or "too_long".
	Code string `json:"code"`
	// Message explains the problem to a person.
	Message string `json:"message"`
}

// ValidationError reports every invalid field of a draft or change.
type ValidationError struct {
	// Fields lists the problems, one per invalid field, in field order.
	Fields []FieldError
}

// Is makes a ValidationError an ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Error lists the invalid fields.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid article request: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}
