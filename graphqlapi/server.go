package graphqlapi

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/restapi/httpserver"
)

// Server is the GraphQL API's HTTP server: Start binds Config.Addr and
// serves in the background, Stop drains in-flight requests.
type Server struct {
	*httpserver.Server
}

// NewServer returns a server for h (usually an *API) configured by cfg.
func NewServer(cfg Config, h http.Handler, log *zap.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	cfg = cfg.WithDefaults()
	return &Server{httpserver.New(httpserver.Config{Addr: cfg.Addr}, h, log.Named("graphqlapi"))}, nil
}
