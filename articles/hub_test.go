package articles

import (
	"context"
	"testing"
)

func TestHubKeepsVersionsIncreasing(t *testing.T) {
	var h hub
	ch := h.subscribe(context.Background())
	for _, v := range []int64{2, 1, 2, 3} {
		h.publish(Change{Type: Updated, Article: Article{ID: 7, Version: v}})
	}
	h.publish(Change{Type: Created, Article: Article{ID: 8, Version: 1}})
	var got []int64
	for range 3 {
		c := <-ch
		got = append(got, c.Article.ID*10+c.Article.Version)
	}
	if len(ch) != 0 || got[0] != 72 || got[1] != 73 || got[2] != 81 {
		t.Fatalf("delivered %v (and %d more), want article 7 v2, v3, then article 8 v1", got, len(ch))
	}
}
