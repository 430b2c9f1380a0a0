package restapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/uptrace/bunrouter"

	"github.com/articlekit/articlekit/articles"
)

// articleID parses the {id} path parameter: a positive decimal int64. A
// path that is a static route for other methods (PUT /articles/validate)
// gets the 405 that route would give, not a 400 for a bad id.
func (a *API) articleID(w http.ResponseWriter, req bunrouter.Request) (int64, error) {
	raw := req.Param("id")
	id, err := parsePositiveInt(raw)
	if err != nil {
		if allow, ok := a.allowed[req.URL.Path]; ok {
			w.Header().Set("Allow", allow)
			return 0, problem(http.StatusMethodNotAllowed, TypeMethodNotAllowed, "Allowed methods: "+allow+".")
		}
		return 0, problem(http.StatusBadRequest, TypeBadRequest,
			fmt.Sprintf("Article id %s: must be an integer from 1 to %d.", strconv.Quote(truncate(raw, 40)), int64(1<<63-1)))
	}
	return id, nil
}

// parsePositiveInt parses canonical decimal: digits only, no sign, no
// leading zero, so that one number has one spelling (and one URL).
func parsePositiveInt(s string) (int64, error) {
	if s == "" || len(s) > 19 || s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, strconv.ErrRange
	}
	return n, nil
}

// decodeDraft reads a JSON article from the body, strictly: the media type
// must be JSON, the body at most the size limit, and hold exactly one JSON
// object with no unknown fields.
func (a *API) decodeDraft(w http.ResponseWriter, r *http.Request) (articles.Draft, error) {
	var d articles.Draft
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return d, problem(http.StatusUnsupportedMediaType, TypeUnsupportedMediaType,
			"Send the article as application/json.")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return d, problem(http.StatusUnsupportedMediaType, TypeUnsupportedMediaType,
			"Send the article as UTF-8 JSON.")
	}
	if r.ContentLength > a.maxBody {
		return d, tooLarge(a.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return d, tooLarge(a.maxBody)
		}
		return d, problem(http.StatusBadRequest, TypeBadRequest, "The request body could not be read.")
	}
	if detail, ok := decodeStrict(body, &d); !ok {
		return d, problem(http.StatusBadRequest, TypeBadRequest, detail)
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	return d, nil
}

func tooLarge(limit int64) *Problem {
	return problem(http.StatusRequestEntityTooLarge, TypePayloadTooLarge,
		fmt.Sprintf("The request body exceeds %d bytes.", limit))
}

// decodeStrict decodes one JSON object into v, refusing whatever it would
// otherwise have to guess about: invalid UTF-8 (raw, overlong, surrogates,
// or lone surrogate escapes), a member name that is not exactly a field's
// (another case is unknown), a name given twice, unknown fields, wrong
// types, trailing data. JSON v2 refuses each of these by design. On
// failure it returns the problem detail to send: it names the field where
// it can and never echoes more than a little of the input.
func decodeStrict(body []byte, v any) (detail string, ok bool) {
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return "The body must be a JSON object.", false
	}
	if err := json.Unmarshal(body, v, json.RejectUnknownMembers(true)); err != nil {
		return jsonProblem(err), false
	}
	return "", true
}

// jsonProblem describes a JSON v2 decoding error to the client.
func jsonProblem(err error) string {
	if serr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		field := fieldName(serr.JSONPointer)
		msg := serr.Err.Error()
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			return fmt.Sprintf("Field %s appears more than once.", strconv.Quote(truncate(field, 40)))
		case strings.Contains(msg, "invalid UTF-8"), strings.Contains(msg, "surrogate"):
			if field == "" {
				return "The body is not valid UTF-8."
			}
			return fmt.Sprintf("Field %s: not valid UTF-8.", strconv.Quote(truncate(field, 40)))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "Malformed JSON: the body ends too early."
		case strings.Contains(msg, "after top-level value"):
			return "The body must hold a single JSON object and nothing after it."
		}
		return fmt.Sprintf("Malformed JSON at byte %d.", serr.ByteOffset)
	}
	if serr, ok := errors.AsType[*json.SemanticError](err); ok {
		field := fieldName(serr.JSONPointer)
		switch {
		case errors.Is(err, json.ErrUnknownName):
			return fmt.Sprintf("Unknown field %s.", strconv.Quote(truncate(field, 40)))
		case field != "" && serr.GoType != nil:
			return fmt.Sprintf("Field %s: must be %s, not %s.", strconv.Quote(truncate(field, 40)),
				goTypeName(serr.GoType.Kind()), jsonKindName(serr.JSONKind))
		}
	}
	return "Malformed JSON."
}

// fieldName spells a JSON pointer as the API's field errors do: /tags/3 is
// tags[3].
func fieldName(ptr jsontext.Pointer) string {
	var b strings.Builder
	for token := range ptr.Tokens() {
		if _, err := strconv.Atoi(token); err == nil && b.Len() > 0 {
			b.WriteString("[" + token + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(token)
	}
	return b.String()
}

func goTypeName(k reflect.Kind) string {
	switch k {
	case reflect.Slice:
		return "an array of strings"
	case reflect.String:
		return "a string"
	default:
		return k.String()
	}
}

func jsonKindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "null"
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// listParameters are the query parameters of GET /articles; each is
// single-valued.
var listParameters = []string{"limit", "offset", "cursor", "author", "tag", "q"}

// parseListQuery reads limit, offset, cursor, author, tag and q from a raw
// query string. The cursor is the last id of the previous page (keyset
// pagination); an offset then skips articles after it. usingOffset reports
// whether the client paginates by offset, which the next-page link then
// keeps doing. A query it cannot read whole — a malformed pair, a
// parameter given twice, one it does not know — is refused rather than
// half-applied: a dropped filter would answer with every article.
func parseListQuery(rawQuery string) (q articles.ListQuery, usingOffset bool, err error) {
	bad := func(format string, args ...any) (articles.ListQuery, bool, error) {
		return articles.ListQuery{}, false, problem(http.StatusBadRequest, TypeBadRequest, fmt.Sprintf(format, args...))
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return bad("The query string is malformed: use name=value pairs joined by &, percent-encoded.")
	}
	for name, values := range v {
		if !slices.Contains(listParameters, name) {
			return bad("Unknown query parameter %s: the parameters are %s.", strconv.Quote(truncate(name, 40)),
				strings.Join(listParameters, ", "))
		}
		if len(values) > 1 {
			return bad("Query parameter %s: given %d times, at most once.", name, len(values))
		}
	}
	q.Limit = articles.DefaultPageSize
	if v.Has("limit") {
		n, err := strconv.Atoi(v.Get("limit"))
		if err != nil || n < 1 || n > articles.MaxPageSize {
			return bad("Query parameter limit: must be an integer from 1 to %d.", articles.MaxPageSize)
		}
		q.Limit = n
	}
	if v.Has("offset") {
		n, err := strconv.Atoi(v.Get("offset"))
		if err != nil || n < 0 || n > math.MaxInt32 {
			return bad("Query parameter offset: must be a non-negative integer.")
		}
		q.Offset, usingOffset = n, true
	}
	if v.Has("cursor") {
		after, err := parsePositiveInt(v.Get("cursor"))
		if err != nil {
			return bad("Query parameter cursor: must be the id of the last article of the previous page, as in the Link header.")
		}
		q.AfterID = after
	}
	q.Author, q.Tag, q.Search = v.Get("author"), v.Get("tag"), v.Get("q")
	if verr, ok := errors.AsType[*articles.ValidationError](q.Validate()); ok {
		f := verr.Fields[0]
		return bad("Query parameter %s: %s.", f.Field, f.Message)
	}
	return q, usingOffset, nil
}

// nextPageURL is the relative URL of the page after page, paginated the
// way the client paginates.
func nextPageURL(u *url.URL, q articles.ListQuery, page articles.Page, usingOffset bool) string {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(q.Limit))
	if q.Author != "" {
		v.Set("author", q.Author)
	}
	if q.Tag != "" {
		v.Set("tag", q.Tag)
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if usingOffset {
		v.Set("offset", strconv.Itoa(q.Offset+len(page.Articles)))
		if q.AfterID > 0 {
			v.Set("cursor", strconv.FormatInt(q.AfterID, 10))
		}
	} else {
		v.Set("cursor", strconv.FormatInt(page.Articles[len(page.Articles)-1].ID, 10))
	}
	return u.Path + "?" + v.Encode()
}

// etag is the entity tag of an article version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// entityTags parses the value of an If-Match or If-None-Match header (its
// lines joined): "*" or a list of entity tags, each "…" or W/"…", which
// may hold commas (RFC 9110, 13.1). A blank value is the empty list, which
// no representation matches — never the absent header, which would make
// a conditional request unconditional. A malformed value is an error.
func entityTags(header string, lines []string) (tags []string, any bool, err error) {
	value := strings.Join(lines, ",")
	if strings.Trim(value, " \t") == "*" {
		return nil, true, nil
	}
	for rest := value; ; {
		rest = strings.TrimLeft(rest, " \t,") // lists may have empty elements (RFC 9110, 5.6.1)
		if rest == "" {
			return tags, false, nil
		}
		tag, after, ok := cutEntityTag(rest)
		if !ok {
			return nil, false, problem(http.StatusBadRequest, TypeBadRequest, fmt.Sprintf(
				`%s: malformed at %s; send "*" or entity tags such as "3".`, header, strconv.Quote(truncate(rest, 40))))
		}
		tags = append(tags, tag)
		if rest = strings.TrimLeft(after, " \t"); rest != "" && rest[0] != ',' {
			return nil, false, problem(http.StatusBadRequest, TypeBadRequest, fmt.Sprintf(
				`%s: entity tags are separated by commas; send "*" or entity tags such as "3".`, header))
		}
	}
}

// cutEntityTag cuts [W/]"etagc*" (RFC 9110, 8.8.3) from the start of s.
func cutEntityTag(s string) (tag, rest string, ok bool) {
	open := 0
	if strings.HasPrefix(s, "W/") {
		open = 2
	}
	if len(s) <= open || s[open] != '"' {
		return "", "", false
	}
	for i := open + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c < 0x21 || c == 0x7f:
			return "", "", false
		}
	}
	return "", "", false
}

// noneMatch reports whether a GET's If-None-Match matches version: "*" or
// one of its tags (weak or strong, compared weakly). No header: false.
func noneMatch(r *http.Request, version int64) (bool, error) {
	lines := r.Header.Values("If-None-Match")
	if len(lines) == 0 {
		return false, nil
	}
	tags, any, err := entityTags("If-None-Match", lines)
	if err != nil || any {
		return any, err
	}
	want := etag(version)
	return slices.ContainsFunc(tags, func(t string) bool { return strings.TrimPrefix(t, "W/") == want }), nil
}

// precondition reads If-Match and If-None-Match for a write. If-Match takes
// "*" or entity tags; only one strong tag this API could have issued can
// match, so anything else (a weak tag, a list, an empty list, a tag of
// another server) demands the impossible version -1. If-None-Match takes
// only "*".
// isConditional reports whether either header was present.
func precondition(r *http.Request) (pre articles.Precondition, isConditional bool, err error) {
	ifMatch, ifNoneMatch := r.Header.Values("If-Match"), r.Header.Values("If-None-Match")
	if len(ifMatch) == 0 && len(ifNoneMatch) == 0 {
		return pre, false, nil
	}
	if len(ifMatch) > 0 {
		tags, any, err := entityTags("If-Match", ifMatch)
		switch {
		case err != nil:
			return pre, true, err
		case any:
			pre.MustExist = true
		default:
			// If-Match compares strongly (RFC 9110): a weak tag never
			// matches, nor does an empty list.
			pre.Version = -1
			if len(tags) == 1 {
				if v, err := parsePositiveInt(strings.Trim(tags[0], `"`)); err == nil && etag(v) == tags[0] {
					pre.Version = v
				}
			}
		}
	}
	if len(ifNoneMatch) > 0 {
		if _, any, err := entityTags("If-None-Match", ifNoneMatch); err != nil {
			return pre, true, err
		} else if !any {
			return pre, true, problem(http.StatusBadRequest, TypeBadRequest, `If-None-Match on a write supports only "*".`)
		}
		pre.MustNotExist = true
	}
	return pre, true, nil
}

// Idempotent creates (draft-ietf-httpapi-idempotency-key-header): a POST
// /articles carrying IdempotencyKeyHeader is done once; sent again with
// the same key and body, its first answer is replayed, marked with
// IdempotentReplayedHeader.
const (
	IdempotencyKeyHeader     = "Idempotency-Key"
	IdempotentReplayedHeader = "Idempotent-Replayed"
)

// idempotencyKey reads the Idempotency-Key header: a structured-field
// string ("…") as the draft has it, of printable ASCII but " and \, or, as
// many clients send it, the bare key, of letters, digits and ._~:+/=-.
// once is false without the header.
func idempotencyKey(r *http.Request) (key string, once bool, err error) {
	lines := r.Header.Values(IdempotencyKeyHeader)
	switch len(lines) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", true, problem(http.StatusBadRequest, TypeBadRequest, IdempotencyKeyHeader+": send one key.")
	}
	raw := strings.Trim(lines[0], " \t")
	if quoted, ok := strings.CutPrefix(raw, `"`); ok {
		key, ok = strings.CutSuffix(quoted, `"`)
		if ok && key != "" && len(key) <= articles.MaxKeyLen && !strings.ContainsAny(key, `"\`) && printable(key) {
			return key, true, nil
		}
	} else if raw != "" && len(raw) <= articles.MaxKeyLen && strings.Trim(raw, bareKeyChars) == "" {
		return raw, true, nil
	}
	return "", true, problem(http.StatusBadRequest, TypeBadRequest, fmt.Sprintf(
		`%s: send one key of 1 to %d characters, quoted ("…", printable ASCII but " and \) or bare (letters, digits and ._~:+/=-).`,
		IdempotencyKeyHeader, articles.MaxKeyLen))
}

// bareKeyChars are the characters of an unquoted idempotency key.
const bareKeyChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~:+/=-"

// printable reports whether s is printable ASCII, space included.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
