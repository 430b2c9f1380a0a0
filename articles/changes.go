package articles

import (
	"context"
	"sync"
)

// ChangeBuffer is how many changes a subscriber may fall behind before its
// subscription is closed.
const ChangeBuffer = 256

// hub fans committed changes out to subscribers. Publishing never blocks a
// write: a subscriber that falls ChangeBuffer changes behind is dropped
// (its channel closed), and resubscribes if it still cares.
//
// Writers publish after their commit returns, and two commits of one
// article can return in either order; the hub keeps each article's versions
// increasing by dropping a change older than one already published (the
// newer one carries the later state).
type hub struct {
	mu   sync.Mutex
	subs map[chan Change]struct{}
	last map[int64]int64 // article id → newest version published
}

// maxTracked bounds hub.last; past it the hub forgets and starts again.
const maxTracked = 100_000

func (h *hub) subscribe(ctx context.Context) <-chan Change {
	ch := make(chan Change, ChangeBuffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan Change]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() { h.drop(ch) })
	return ch
}

func (h *hub) drop(ch chan Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

func (h *hub) publish(c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil || len(h.last) >= maxTracked {
		h.last = map[int64]int64{}
	}
	if c.Article.Version <= h.last[c.Article.ID] {
		return
	}
	h.last[c.Article.ID] = c.Article.Version
	for ch := range h.subs {
		select {
		case ch <- c:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
