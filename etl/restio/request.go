package restio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/articlekit/articlekit/etl"
)

// Param sends the value of field Field as the header or query parameter
// Name.
type Param struct{ Field, Name string }

// Request calls an HTTP endpoint once per row (Kettle's REST Client) and
// adds what came back to the row: the body, the status code, the response
// time in milliseconds and the headers as JSON, each into its field when
// named. A status that is not 2xx is an answer like any other; a request
// that gets no answer fails the run.
type Request struct {
	// Client sends the requests. Default: a client with a 30s timeout.
	Client *http.Client
	// URL and Method, unless URLField and MethodField name fields that hold
	// them. Method defaults to GET.
	URL, URLField       string
	Method, MethodField string
	// BodyField holds the request body, sent with ContentType.
	BodyField   string
	ContentType string
	Headers     []Param
	// Query parameters, added to the URL's.
	Query []Param
	// The fields the answer goes into; empty ones are not added.
	BodyResult, StatusResult, TimeResult, HeaderResult string
	// MaxBody bounds a response body. Default: 16 MiB.
	MaxBody int64
}

type requestPlan struct {
	out                             *etl.Schema
	url, method, body               int // field positions, -1: absent
	headers, query                  []int
	bodyAt, statusAt, timeAt, hdrAt int
}

func (r *Request) plan(in *etl.Schema) (*requestPlan, error) {
	p := &requestPlan{url: -1, method: -1, body: -1}
	field := func(name string, at *int) error {
		if name == "" {
			return nil
		}
		i, ok := in.Index(name)
		if !ok {
			return fmt.Errorf("request: no field %q", name)
		}
		*at = i
		return nil
	}
	if r.URLField == "" && r.URL == "" {
		return nil, errors.New("request: no URL and no URL field")
	}
	for _, f := range []struct {
		name string
		at   *int
	}{{r.URLField, &p.url}, {r.MethodField, &p.method}, {r.BodyField, &p.body}} {
		if err := field(f.name, f.at); err != nil {
			return nil, err
		}
	}
	for _, list := range []struct {
		params []Param
		idx    *[]int
	}{{r.Headers, &p.headers}, {r.Query, &p.query}} {
		for _, prm := range list.params {
			i := -1
			if err := field(prm.Field, &i); err != nil {
				return nil, err
			}
			*list.idx = append(*list.idx, i)
		}
	}
	var added []etl.Field
	at := in.Len()
	slot := func(name string, t etl.Type) int {
		if name == "" {
			return -1
		}
		added = append(added, etl.Field{Name: name, Type: t})
		at++
		return at - 1
	}
	p.bodyAt = slot(r.BodyResult, etl.String)
	p.statusAt = slot(r.StatusResult, etl.Integer)
	p.timeAt = slot(r.TimeResult, etl.Integer)
	p.hdrAt = slot(r.HeaderResult, etl.String)
	var err error
	p.out, err = in.Append(added...)
	return p, err
}

// Plan checks the fields named exist and adds the result fields.
func (r *Request) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, ok := in[etl.Main]
	if !ok {
		return nil, errors.New("request: no input")
	}
	p, err := r.plan(main)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: p.out}, nil
}

// Run sends a request per row.
func (r *Request) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := r.plan(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(row etl.Row) error {
		wide := make(etl.Row, p.out.Len())
		copy(wide, row)
		if err := r.call(ctx, client, p, row, wide); err != nil {
			return err
		}
		return o.Emit(ctx, wide)
	})
}

func (r *Request) call(ctx context.Context, client *http.Client, p *requestPlan, row, wide etl.Row) error {
	text := func(i int, def string) string {
		if i < 0 || row[i] == nil {
			return def
		}
		return etl.Text(row[i], "")
	}
	target, err := url.Parse(text(p.url, r.URL))
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") {
		return fmt.Errorf("request: %q is not an http(s) URL", text(p.url, r.URL))
	}
	q := target.Query()
	for i, prm := range r.Query {
		q.Add(prm.Name, text(p.query[i], ""))
	}
	target.RawQuery = q.Encode()
	var body io.Reader
	if p.body >= 0 {
		body = strings.NewReader(text(p.body, ""))
	}
	method := strings.ToUpper(text(p.method, r.Method))
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if body != nil && r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	for i, prm := range r.Headers {
		req.Header.Set(prm.Name, text(p.headers[i], ""))
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	defer resp.Body.Close()
	limit := r.MaxBody
	if limit <= 0 {
		limit = 16 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("request: %s %s: read: %w", method, target.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("request: %s %s: response body over %d bytes", method, target.Redacted(), limit)
	}
	set := func(at int, v any) {
		if at >= 0 {
			wide[at] = v
		}
	}
	set(p.bodyAt, string(data))
	set(p.statusAt, int64(resp.StatusCode))
	set(p.timeAt, time.Since(start).Milliseconds())
	if p.hdrAt >= 0 {
		h, err := json.Marshal(resp.Header)
		if err != nil {
			return err
		}
		wide[p.hdrAt] = string(h)
	}
	return nil
}
