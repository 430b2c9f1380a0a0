package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxTransformBody bounds a body the gateway rewrites.
const maxTransformBody = 10 << 20

// Why a body could not be transformed.
var (
	errBodyTooLarge = errors.New("body too large to transform")
	errBodyEncoded  = errors.New("an encoded body cannot be transformed")
	errBodyNotJSON  = errors.New("the body is not valid JSON")
	errBodyType     = errors.New("the body is not JSON")
)

// headers applies the header changes of t.
func (t Transform) headers(h http.Header) {
	for from, to := range t.RenameHeaders {
		if v, ok := h[http.CanonicalHeaderKey(from)]; ok {
			h.Del(from)
			h[http.CanonicalHeaderKey(to)] = v
		}
	}
	for _, name := range t.RemoveHeaders {
		h.Del(name)
	}
	for name, v := range t.SetHeaders {
		h.Set(name, v)
	}
}

// rewriteBody applies the field changes of t to a JSON body, returning the
// new body, or -1 when the body passes as it is. A body t would transform
// fails closed — encoded, not JSON though labelled so, or, when the sender
// chose the label (strict: a client's request), not labelled JSON — rather
// than pass with the fields t is there to remove.
func (t Transform) rewriteBody(h http.Header, body io.ReadCloser, strict bool) (io.ReadCloser, int64, error) {
	if !t.body() || body == nil || body == http.NoBody {
		return body, -1, nil
	}
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		if strict {
			body.Close()
			return nil, 0, errBodyType
		}
		return body, -1, nil
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		body.Close()
		return nil, 0, errBodyEncoded
	}
	data, err := io.ReadAll(io.LimitReader(body, maxTransformBody+1))
	body.Close()
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxTransformBody {
		return nil, 0, errBodyTooLarge
	}
	// Numbers stay as written: a float64 would round large integers.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, 0, errBodyNotJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, 0, errBodyNotJSON // more after the value
	}
	changed := false
	switch x := v.(type) {
	case map[string]any:
		changed = t.fields(x)
	case []any:
		for _, e := range x {
			if obj, ok := e.(map[string]any); ok {
				changed = t.fields(obj) || changed
			}
		}
	}
	if changed {
		if data, err = json.Marshal(v); err != nil {
			return nil, 0, err
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
}

// fields renames and removes obj's fields, matching names regardless of
// case, as Go's encoding/json (and so many upstreams) does.
func (t Transform) fields(obj map[string]any) bool {
	changed := false
	for _, name := range slices.Collect(maps.Keys(obj)) {
		for from, to := range t.RenameFields {
			if strings.EqualFold(name, from) {
				obj[to] = obj[name]
				if name != to {
					delete(obj, name)
				}
				changed = true
			}
		}
	}
	for _, name := range slices.Collect(maps.Keys(obj)) {
		for _, remove := range t.RemoveFields {
			if strings.EqualFold(name, remove) {
				delete(obj, name)
				changed = true
			}
		}
	}
	return changed
}
