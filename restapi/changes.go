package restapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tmaxmax/go-sse"
	"github.com/uptrace/bunrouter"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// heartbeat keeps idle event streams alive through proxies that close
// silent connections.
const heartbeat = 15 * time.Second

// changes streams committed changes as server-sent events: event type
// created, updated or deleted; id "<article id>.<version>"; data the
// articles.Change as JSON. The stream ends when the client goes away, the
// server stops, or the client falls too far behind (it then reconnects).
func (a *API) changes(w http.ResponseWriter, req bunrouter.Request) error {
	ctx := req.Context()
	changes, err := a.svc.Changes(ctx)
	if err != nil {
		return err
	}
	session, err := sse.Upgrade(w, req.Request)
	if err != nil {
		return err
	}
	// The stream outlives the server's read and write timeouts by design:
	// net/http would otherwise cancel the request when the read deadline
	// of the whole request passes.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Cache-Control", "no-store")
	// Send the headers now, so that clients know they are subscribed.
	hello := &sse.Message{}
	hello.AppendComment("subscribed")
	if err := send(session, hello); err != nil {
		return nil // the client is gone
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-httpserver.Stopping(ctx):
			return nil
		case <-tick.C:
			ping := &sse.Message{}
			ping.AppendComment("heartbeat")
			if send(session, ping) != nil {
				return nil
			}
		case c, open := <-changes:
			if !open {
				return nil // fell behind: the client reconnects
			}
			data, err := json.Marshal(c)
			if err != nil {
				return nil
			}
			msg := &sse.Message{
				Type: sse.Type(string(c.Type)),
				ID:   sse.ID(strconv.FormatInt(c.Article.ID, 10) + "." + strconv.FormatInt(c.Article.Version, 10)),
			}
			msg.AppendData(string(data))
			if send(session, msg) != nil {
				return nil
			}
		}
	}
}

func send(s *sse.Session, m *sse.Message) error {
	if err := s.Send(m); err != nil {
		return err
	}
	return s.Flush()
}
