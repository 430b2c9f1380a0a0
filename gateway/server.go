package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// Servers are the gateway's listeners: HTTP and HTTPS for API traffic,
// HTTPS for the admin API (WSO2's 8280, 8243 and 9443). An address of "-"
// is not served.
type Servers struct {
	servers []*httpserver.Server
	names   []string // listen.http, … of each server
}

// NewServers prepares the listeners of g's configuration; admin serves the
// admin API. They log with g's logger (see WithLogger). Without
// certificate files, a self-signed development certificate is generated,
// and logged as such.
func NewServers(g *Gateway, admin http.Handler) (*Servers, error) {
	log := g.log
	cfg := g.Config()
	tlsConfig, err := loadTLS(cfg.TLS, log)
	if err != nil {
		return nil, err
	}
	s := &Servers{}
	for _, l := range []struct {
		addr    string
		handler http.Handler
		tls     *tls.Config
		name    string
	}{
		{cfg.Listen.HTTP, g, nil, "http"},
		{cfg.Listen.HTTPS, g, tlsConfig, "https"},
		{cfg.Listen.Admin, admin, tlsConfig, "admin"},
	} {
		if l.addr == "-" || l.handler == nil {
			continue
		}
		s.servers = append(s.servers, httpserver.New(httpserver.Config{Addr: l.addr, TLS: l.tls,
			// A proxied response may take long; the route's timeout bounds it.
			WriteTimeout: 10 * time.Minute}, l.handler, httpserver.WithLogger(log.Named(l.name))))
		s.names = append(s.names, "listen."+l.name)
	}
	return s, nil
}

// Start binds every listener, or none.
func (s *Servers) Start() error {
	for i, srv := range s.servers {
		if err := srv.Start(); err != nil {
			for _, started := range s.servers[:i] {
				_ = started.Stop(context.Background())
			}
			return fmt.Errorf("gateway: %s: %w", s.names[i], err)
		}
	}
	return nil
}

// Addrs returns the bound addresses, in the order http, https, admin (of
// those served).
func (s *Servers) Addrs() []net.Addr {
	addrs := make([]net.Addr, len(s.servers))
	for i, srv := range s.servers {
		addrs[i] = srv.Addr()
	}
	return addrs
}

// Stop stops every listener, letting requests in flight finish until ctx
// ends.
func (s *Servers) Stop(ctx context.Context) error {
	// Together: each drains for a while before it closes.
	errs := make([]error, len(s.servers))
	var wg sync.WaitGroup
	for i, srv := range s.servers {
		wg.Go(func() { errs[i] = srv.Stop(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func loadTLS(files TLS, log *zap.Logger) (*tls.Config, error) {
	if files.Cert != "" || files.Key != "" {
		cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
		if err != nil {
			return nil, fmt.Errorf("gateway: tls: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	log.Warn("no tls.cert and tls.key: serving HTTPS with a self-signed development certificate (localhost, 127.0.0.1)")
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// selfSigned makes a development certificate for localhost, valid a year.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"ArticleKit development"}, CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
