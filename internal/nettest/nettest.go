// Package nettest holds the network helpers ArticleKit's tests share.
package nettest

import (
	"net"
	"testing"
)

// FreeAddr returns a loopback address nothing listens on now, for a server
// whose address must be known before it starts (a module's, say).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
