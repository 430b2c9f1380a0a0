package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
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
	// DrainPeriod is how long, at most, a stopping server goes on serving
	// before it closes its listener: Draining's channel is closed (readiness
	// checks answer 503) and every HTTP/1 response carries Connection: close,
	// so that keep-alive clients leave on an answer rather than meet a
	// closed connection. The drain ends early once every connection open
	// when it began has had such an answer or is gone. Default: 1s;
	// negative: no drain.
	DrainPeriod time.Duration
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
	if c.DrainPeriod == 0 {
		c.DrainPeriod = time.Second
	}
	return c
}

// Server is an HTTP server with an explicit start and a graceful stop.
type Server struct {
	srv   *http.Server
	tls   *tls.Config
	log   *zap.Logger
	addr  net.Addr
	done  chan struct{}
	drain time.Duration

	stopping     chan struct{}
	stoppingOnce sync.Once

	mu       sync.Mutex
	open     map[net.Conn]struct{} // connections not closed or hijacked
	draining chan struct{}         // closed when the drain begins
	untold   map[net.Conn]struct{} // during the drain: not told to close yet
	drained  chan struct{}         // closed when untold empties
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
		drain:    cfg.DrainPeriod,
		open:     map[net.Conn]struct{}{},
		draining: make(chan struct{}),
		drained:  make(chan struct{}),
	}
	for _, opt := range opts {
		opt(s)
	}
	log := s.log
	s.srv = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.closingWhileDraining(handler),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))),
		BaseContext: func(net.Listener) context.Context {
			ctx := context.WithValue(context.Background(), stoppingKey{}, (<-chan struct{})(s.stopping))
			return context.WithValue(ctx, drainingKey{}, (<-chan struct{})(s.draining))
		},
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		ConnState:   s.track,
	}
	s.srv.RegisterOnShutdown(func() { s.stoppingOnce.Do(func() { close(s.stopping) }) })
	return s
}

type (
	stoppingKey struct{}
	drainingKey struct{}
	connKey     struct{}
)

// Draining returns a channel that closes when the server serving the
// request whose context is ctx begins to drain, before it stops: a
// readiness check answers 503 from then on, so that load balancers move
// on. Outside a Server it returns nil, which never closes.
func Draining(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(drainingKey{}).(<-chan struct{})
	return ch
}

// closingWhileDraining makes every HTTP/1 answer given during the drain
// close its connection, and notes that the connection was told.
func (s *Server) closingWhileDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-s.draining:
			if r.ProtoMajor == 1 {
				w.Header().Set("Connection", "close")
				if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
					s.settle(c)
				}
			}
		default:
		}
		next.ServeHTTP(w, r)
	})
}

// track keeps the set of open connections, for the drain.
func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.open[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.open, c)
		s.settleLocked(c)
	}
}

func (s *Server) settle(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(c)
}

func (s *Server) settleLocked(c net.Conn) {
	if s.untold == nil {
		return
	}
	delete(s.untold, c)
	if len(s.untold) == 0 {
		s.untold = nil
		close(s.drained)
	}
}

// beginDrain starts the drain: from now on answers close their
// connections, and drained closes once every connection open now has had
// one or is gone.
func (s *Server) beginDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.draining:
		return // a second Stop
	default:
	}
	close(s.draining)
	if len(s.open) == 0 {
		close(s.drained)
		return
	}
	s.untold = make(map[net.Conn]struct{}, len(s.open))
	for c := range s.open {
		s.untold[c] = struct{}{}
	}
}

// Stopping returns a channel that closes when the server serving the
// request whose context is ctx begins to stop. Long-lived handlers, such as
// event streams, return when it closes, so that a graceful stop does not
// wait for them. Outside a Server it returns nil, which never closes.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return ch
}

// Start binds the listen address and serves in the background. If the
// address cannot be bound it serves nothing and returns listen's
// *net.OpError, which names the address; the caller says whose it is.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return err
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

// Stop drains the server (see Config.DrainPeriod), stops accepting
// connections and waits, until ctx is done, for in-flight requests to
// finish; then it closes what remains.
func (s *Server) Stop(ctx context.Context) error {
	if s.done == nil {
		return nil
	}
	if s.drain > 0 {
		s.beginDrain()
		timer := time.NewTimer(s.drain)
		select {
		case <-s.drained:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	return err
}
