package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// maxTransformBody bounds a body the gateway rewrites.
const maxTransformBody = 10 << 20

var errBodyTooLarge = errors.New("body too large to transform")

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
// new body; bodies that are not JSON objects or arrays pass unchanged.
func (t Transform) rewriteBody(h http.Header, body io.ReadCloser) (io.ReadCloser, int64, error) {
	if !t.body() || body == nil || body == http.NoBody {
		return body, -1, nil
	}
	if mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mediaType != "application/json" && mediaType != "application/problem+json" {
		return body, -1, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, maxTransformBody+1))
	body.Close()
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxTransformBody {
		return nil, 0, errBodyTooLarge
	}
	var v any
	if json.Unmarshal(data, &v) == nil {
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
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
}

func (t Transform) fields(obj map[string]any) bool {
	changed := false
	for from, to := range t.RenameFields {
		if v, ok := obj[from]; ok {
			delete(obj, from)
			obj[to] = v
			changed = true
		}
	}
	for _, name := range t.RemoveFields {
		if _, ok := obj[name]; ok {
			delete(obj, name)
			changed = true
		}
	}
	return changed
}
