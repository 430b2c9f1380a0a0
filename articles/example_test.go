package articles_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/articlekit/articlekit/articles"
)

func Example() {
	ctx := context.Background()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		panic(err)
	}
	svc := articles.NewService(store)

	a, _ := svc.Create(ctx, articles.Draft{Title: "Hello", Author: "ada", Tags: []string{"intro"}})
	a, _ = svc.Update(ctx, a.ID, articles.Draft{Title: "Hello, world", Author: "ada"}, a.Version)
	fmt.Println(a.Title, "version", a.Version)

	_, err = svc.Update(ctx, a.ID, articles.Draft{Title: "Lost update"}, 1)
	fmt.Println(errors.Is(err, articles.ErrConflict))

	_, err = svc.Create(ctx, articles.Draft{Title: " "})
	var invalid *articles.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println(invalid.Fields[0].Field, invalid.Fields[0].Code)
	}
	// Output:
	// Hello, world version 2
	// true
	// title required
}

func ExampleService_Apply() {
	ctx := context.Background()
	store, _ := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	defer store.Close()
	_ = store.Migrate(ctx)
	replica := articles.NewService(store)

	v2 := articles.Change{Type: articles.Updated, Article: articles.Article{ID: 7, Title: "Second", Version: 2}}
	v1 := articles.Change{Type: articles.Created, Article: articles.Article{ID: 7, Title: "First", Version: 1}}
	for _, ch := range []articles.Change{v2, v1, v2} {
		result, _ := replica.Apply(ctx, ch)
		fmt.Println("version", ch.Article.Version, result)
	}
	// Output:
	// version 2 applied
	// version 1 stale
	// version 2 stale
}

func ExampleOutbox_Pending() {
	ctx := context.Background()
	store, _ := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	defer store.Close()
	_ = store.Migrate(ctx)
	svc := articles.NewService(store)
	a, _ := svc.Create(ctx, articles.Draft{Title: "Evented"})
	_ = svc.Delete(ctx, a.ID, 0)

	events, _ := store.Outbox().Pending(ctx, 10)
	for _, ev := range events {
		fmt.Println(ev.Seq, ev.Type, "article", ev.ArticleID, "version", ev.Version)
	}
	// Output:
	// 1 created article 1 version 1
	// 2 deleted article 1 version 2
}
