// Package cursor encodes the opaque list cursors of the REST API, shared by
// the server and its Go client.
package cursor

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Encode returns the cursor of the page after the article with id afterID.
func Encode(afterID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(afterID, 10)))
}

// Decode returns the id a cursor made by Encode points after.
func Decode(s string) (afterID int64, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 2 || raw[0] != 'c' {
		return 0, false
	}
	digits := string(raw[1:])
	if len(digits) > 19 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil && id > 0
}
