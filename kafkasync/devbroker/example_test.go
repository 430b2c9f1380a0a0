package devbroker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

func ExampleStart() {
	b, err := devbroker.Start()
	if err != nil {
		panic(err)
	}
	defer b.Close() // and everything it held is gone
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := kafkasync.Config{Brokers: b.Addrs()}
	fmt.Println(kafkasync.EnsureTopics(ctx, cfg))
	// Output: <nil>
}
