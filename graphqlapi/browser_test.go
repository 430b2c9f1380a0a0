package graphqlapi_test

import (
	"testing"

	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/internal/browsertest"
)

// A real browser opens GraphiQL where the API serves it, with nothing but
// what the API serves (the test machine has no CDN, and GraphiQL must need
// none): it runs getArticles and sees the stored article in the result
// pane, and its docs explorer, which only the schema query fills, lists
// getArticles. examples/fullstack does the same through the gateway.
func TestPlaygroundInBrowser(t *testing.T) {
	browser := browsertest.Open(t)
	s := backends[0].make(t, graphqlapi.Config{})
	s.create("Seen in a browser", "ada")
	browser.UseGraphiQL(s.gql.URL, "Seen in a browser", "graphiql")
}
