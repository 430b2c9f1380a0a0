package graphqlapi

import (
	"net/http"
	"time"

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
	// Writing a response may take as long as the operation it answers.
	return &Server{httpserver.New(httpserver.Config{Addr: cfg.Addr, WriteTimeout: cfg.Timeout + 5*time.Second},
		h, log.Named("graphqlapi"))}, nil
}
