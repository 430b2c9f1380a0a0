package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
)

func Example() {
	ctx := context.Background()
	store, _ := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	defer store.Close()
	_ = store.Migrate(ctx)
	srv := httptest.NewServer(restapi.New(articles.NewService(store)))
	defer srv.Close()

	c, _ := client.New(srv.URL)
	a, _ := c.Create(ctx, articles.Draft{Title: "Over HTTP"})
	got, _ := c.Get(ctx, a.ID)
	fmt.Println(got.Title, got.Version)
	_, err := c.Get(ctx, 404)
	fmt.Println(errors.Is(err, articles.ErrNotFound))
	// Output:
	// Over HTTP 1
	// true
}
