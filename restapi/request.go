package restapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

func parsePositiveInt(s string) (int64, error) {
	if s == "" || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
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

// decodeStrict decodes one JSON object into v, rejecting unknown fields and
// trailing data. On failure it returns the problem detail to send: it names
// the problem but never echoes more than a little of the input.
func decodeStrict(body []byte, v any) (detail string, ok bool) {
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return "The body must be a JSON object.", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err), false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "The body must hold a single JSON object and nothing after it.", false
	}
	return "", true
}

func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("Malformed JSON at byte %d.", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("Field %s: must be %s, not %s.", strconv.Quote(typ.Field), jsonType(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "Malformed JSON: the body ends too early."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return fmt.Sprintf("Unknown field %s.", truncate(field, 40))
	default:
		return "Malformed JSON."
	}
}

func jsonType(kind string) string {
	switch kind {
	case "slice":
		return "an array of strings"
	case "string":
		return "a string"
	default:
		return kind
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseListQuery reads limit, offset, cursor, author and tag. The cursor is
// the last id of the previous page (keyset pagination); an offset then skips
// articles after it. usingOffset reports whether the client paginates by
// offset, which the next-page link then keeps doing.
func parseListQuery(v url.Values) (q articles.ListQuery, usingOffset bool, err error) {
	bad := func(format string, args ...any) (articles.ListQuery, bool, error) {
		return articles.ListQuery{}, false, problem(http.StatusBadRequest, TypeBadRequest, fmt.Sprintf(format, args...))
	}
	q.Limit = articles.DefaultPageSize
	if v.Has("limit") {
		s := v.Get("limit")
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > articles.MaxPageSize {
			return bad("Query parameter limit: must be an integer from 1 to %d.", articles.MaxPageSize)
		}
		q.Limit = n
	}
	if v.Has("offset") {
		s := v.Get("offset")
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > math.MaxInt32 {
			return bad("Query parameter offset: must be a non-negative integer.")
		}
		q.Offset, usingOffset = n, true
	}
	if v.Has("cursor") {
		s := v.Get("cursor")
		after, err := parsePositiveInt(s)
		if err != nil {
			return bad("Query parameter cursor: must be the id of the last article of the previous page, as in the Link header.")
		}
		q.AfterID = after
	}
	q.Author, q.Tag = v.Get("author"), v.Get("tag")
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

// etagListMatches reports whether an If-Match/If-None-Match list matches
// version: "*" or one of its tags (weak or strong, compared weakly).
func etagListMatches(list string, version int64) bool {
	want := etag(version)
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == want {
			return true
		}
	}
	return false
}

// precondition reads If-Match and If-None-Match for a write. If-Match takes
// "*" or one strong entity tag; a tag this API could not have issued, or a
// weak one, never matches, so it demands the impossible version -1. If-None-Match takes
// only "*". isConditional reports whether either header was present.
func precondition(r *http.Request) (pre articles.Precondition, isConditional bool, err error) {
	ifMatch, ifNoneMatch := strings.TrimSpace(r.Header.Get("If-Match")), strings.TrimSpace(r.Header.Get("If-None-Match"))
	if ifMatch == "" && len(r.Header.Values("If-None-Match")) == 0 {
		return pre, false, nil
	}
	switch ifMatch {
	case "":
	case "*":
		pre.MustExist = true
	default:
		// If-Match compares strongly (RFC 9110): a weak tag never matches.
		pre.Version = -1
		if v, err := parsePositiveInt(strings.Trim(ifMatch, `"`)); err == nil && etag(v) == ifMatch {
			pre.Version = v
		}
	}
	switch {
	case len(r.Header.Values("If-None-Match")) == 0:
	case ifNoneMatch == "*":
		pre.MustNotExist = true
	default:
		return pre, true, problem(http.StatusBadRequest, TypeBadRequest, `If-None-Match on a write supports only "*".`)
	}
	return pre, true, nil
}
