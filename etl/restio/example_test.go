package restio_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/restio"
	"github.com/articlekit/articlekit/etl/step"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
)

// Rows checked by the REST API and loaded through it, the refused ones
// set aside with their reasons; then the articles read back.
func Example() {
	ctx := context.Background()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(restapi.New(articles.NewService(store), restapi.WithReplication()))
	defer srv.Close()
	api, err := client.New(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}

	schema := etl.MustSchema(etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "title", Type: etl.String},
		etl.Field{Name: "author", Type: etl.String}, etl.Field{Name: "version", Type: etl.Integer})
	drafts := step.Rows{Schema: schema, Rows: []etl.Row{
		{int64(7), "Streams in Go", "ada", int64(3)},
		{int64(8), " ", "bob", int64(1)},
		{int64(9), "Kafka, briefly", "cy", int64(1)},
	}}
	rejects := &step.Collector{}
	_, err = etl.New("load").
		Add("drafts", drafts).
		Add("check", &restio.Validate{Client: api}).
		Add("write", &restio.Writer{Client: api}).
		Add("rejects", rejects).
		Connect(etl.Hop{From: "drafts", To: "check"}, etl.Hop{From: "check", To: "write"},
			etl.Hop{From: "check", FromPort: etl.Reject, To: "rejects"}).
		Run(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rejects.Rows() {
		fmt.Printf("refused %v: %v\n", r[0], r[4])
	}

	loaded := &step.Collector{}
	if _, err := etl.New("read").Then("articles", &restio.Articles{Client: api}).Then("keep", loaded).Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range loaded.Rows() {
		fmt.Printf("article %v version %v: %v\n", r[0], r[7], r[1])
	}
	// Output:
	// refused 8: title: is required
	// article 7 version 3: Streams in Go
	// article 9 version 1: Kafka, briefly
}
