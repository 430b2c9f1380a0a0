package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/tmaxmax/go-sse"

	"github.com/articlekit/articlekit/articles"
)

// Changes subscribes to the server's change feed (GET /articles/changes).
// It returns once the server has accepted the subscription; the channel
// then carries changes until ctx ends or the stream does (the server
// stopped, or the subscriber fell behind), when it closes. Subscribe again
// to resume; changes made in between are not replayed.
func (c *Client) Changes(ctx context.Context) (<-chan articles.Change, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/articles/changes", nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	// No per-call timeout here: the stream is meant to last.
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up: not the server's fault.
			return nil, fmt.Errorf("client: GET /articles/changes: %w", ctx.Err())
		}
		return nil, fmt.Errorf("client: GET /articles/changes: %w: %w", articles.ErrUnavailable, err)
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mediaType != "text/event-stream" {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode == http.StatusOK {
			return nil, fmt.Errorf("client: GET /articles/changes: unexpected content type %q", mediaType)
		}
		return nil, errorFor(resp.StatusCode, data)
	}
	out := make(chan articles.Change)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		for ev, err := range sse.Read(resp.Body, &sse.ReadConfig{MaxEventSize: 1 << 20}) {
			if err != nil {
				return
			}
			var ch articles.Change
			if ev.Data == "" || json.Unmarshal([]byte(ev.Data), &ch) != nil {
				continue // comments and events this client does not know
			}
			select {
			case out <- ch:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
