package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Config configures a Server. Zero durations take the defaults shown.
type Config struct {
	// Addr is the listen address, e.g. ":5000" or "127.0.0.1:0".
	Addr string
	// ReadHeaderTimeout bounds reading request headers. Default: 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request. Default: 30s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response. Default: 30s.
	WriteTimeout time.Duration
	// IdleTimeout bounds keep-alive idleness. Default: 120s.
	IdleTimeout time.Duration
	// TLS, when set, serves HTTPS.
	TLS *tls.Config
}

func (c Config) withDefaults() Config {
	for _, d := range []struct {
		field *time.Duration
		def   time.Duration
	}{
		{&c.ReadHeaderTimeout, 5 * time.Second},
		{&c.ReadTimeout, 30 * time.Second},
		{&c.WriteTimeout, 30 * time.Second},
		{&c.IdleTimeout, 120 * time.Second},
	} {
		if *d.field <= 0 {
			*d.field = d.def
		}
	}
	return c
}

// Server is an HTTP server with an explicit start and a graceful stop.
type Server struct {
	srv  *http.Server
	tls  *tls.Config
	log  *zap.Logger
	addr net.Addr
	done chan struct{}

	stopping     chan struct{}
	stoppingOnce sync.Once
}

// Option configures a Server.
type Option func(*Server)

// WithLogger logs the server's start and failures to log. Default: no
// logging.
func WithLogger(log *zap.Logger) Option {
	return func(s *Server) {
		if log != nil {
			s.log = log
		}
	}
}

// New returns a server for handler; it does not listen until Start.
func New(cfg Config, handler http.Handler, opts ...Option) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		stopping: make(chan struct{}),
		log:      zap.NewNop(),
		tls:      cfg.TLS,
	}
	for _, opt := range opts {
		opt(s)
	}
	log := s.log
	s.srv = &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))),
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), stoppingKey{}, (<-chan struct{})(s.stopping))
		},
	}
	s.srv.RegisterOnShutdown(func() { s.stoppingOnce.Do(func() { close(s.stopping) }) })
	return s
}

type stoppingKey struct{}

// Stopping returns a channel that closes when the server serving the
// request whose context is ctx begins to stop. Long-lived handlers, such as
// event streams, return when it closes, so that a graceful stop does not
// wait for them. Outside a Server it returns nil, which never closes.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return ch
}

// Start binds the listen address and serves in the background. It returns
// an error, and serves nothing, if the address cannot be bound.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("httpserver: listen on %s: %w", s.srv.Addr, err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.addr = ln.Addr()
	s.done = make(chan struct{})
	s.log.Info("listening", zap.Stringer("addr", s.addr))
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", zap.Error(err))
		}
	}()
	return nil
}

// Addr returns the bound address once started, e.g. to learn the port
// chosen for ":0".
func (s *Server) Addr() net.Addr { return s.addr }

// Stop stops accepting connections and waits, until ctx is done, for
// in-flight requests to finish; then it closes what remains.
func (s *Server) Stop(ctx context.Context) error {
	if s.done == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	return err
}
