package httpserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/articlekit/articlekit/internal/httpserver"
)

func ExampleServer() {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	})
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, httpserver.Chain(hello, httpserver.RequestID))
	if err := srv.Start(); err != nil { // binds now: a busy port fails here
		panic(err)
	}
	resp, err := http.Get("http://" + srv.Addr().String() + "/")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body), len(resp.Header.Get(httpserver.RequestIDHeader)))
	fmt.Println(srv.Stop(context.Background())) // drains in-flight requests
	// Output:
	// hello 32
	// <nil>
}
