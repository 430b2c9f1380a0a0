// Package scalars holds the GraphQL scalar bindings of the schema.
package scalars

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// ErrBadID reports an ID that is not a positive 64-bit integer.
var ErrBadID = errors.New("an article ID is a positive integer")

// MarshalID writes an article id as a GraphQL ID (a string).
func MarshalID(id int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.FormatInt(id, 10)))
	})
}

// UnmarshalID reads an article id from a GraphQL ID, given as a string or
// an integer literal.
func UnmarshalID(v any) (int64, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case int64:
		s = strconv.FormatInt(v, 10)
	case int:
		s = strconv.Itoa(v)
	default:
		return 0, ErrBadID
	}
	if s == "" || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, ErrBadID
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrBadID
	}
	return id, nil
}
