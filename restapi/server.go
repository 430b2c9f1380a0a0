package restapi

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/restapi/httpserver"
)

// Server is the REST API's HTTP server: Start binds cfg.Addr and serves in
// the background, Stop drains in-flight requests.
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
	return &Server{httpserver.New(cfg.server(), h, log.Named("restapi"))}, nil
}
