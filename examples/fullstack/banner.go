package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/kafkasync"
)

// banner is what a person starting the program needs to know: where
// everything is, the development credentials, the files it writes, and how
// to replace each default.
type banner struct {
	webApp                         string // the page, through the gateway
	webAppListener                 string // its own listener, for a gateway of the user's
	rest, graphql                  string // base URLs
	gatewayHTTP, gatewayHTTPS      string
	gatewayAdmin                   string
	brokers                        []string
	embeddedBroker                 bool
	devKey, devAdmin, devAdminPass string // empty with GATEWAY_CONFIG
	files                          []string
}

func newBanner(cfg config, gw gateway.Config, brokers kafkasync.Brokers) banner {
	b := banner{
		rest:           "http://" + hostPort(cfg.REST.Addr),
		graphql:        "http://" + hostPort(cfg.GraphQL.Addr),
		gatewayHTTP:    listenURL("http", gw.Listen.HTTP),
		gatewayHTTPS:   listenURL("https", gw.Listen.HTTPS),
		gatewayAdmin:   listenURL("https", gw.Listen.Admin),
		brokers:        brokers,
		embeddedBroker: len(cfg.Sync.Brokers) == 0,
	}
	if cfg.Gateway.File == "" {
		b.devKey, b.devAdmin, b.devAdminPass = cfg.Gateway.DevAPIKey, "admin", cfg.Gateway.DevAdminPass
		if b.gatewayHTTP != "" {
			b.webApp = b.gatewayHTTP + "/"
		}
	} else {
		// A gateway of the user's serves the page where its routes say.
		b.webAppListener = "http://" + hostPort(cfg.WebApp.Addr)
	}
	for _, url := range []string{cfg.Articles.DatabaseURL, cfg.Target.DatabaseURL} {
		if path, ok := strings.CutPrefix(url, "sqlite://"); ok && cfg.Target.Applier != "rest" && !strings.HasPrefix(path, ":memory:") {
			b.files = append(b.files, path)
		}
	}
	if len(cfg.Pipelines) == 0 {
		b.files = append(b.files, filepath.Join(cfg.ExportDir, "articles-export.jsonl"), filepath.Join(cfg.ExportDir, "articles-rejects.jsonl"))
	}
	return b
}

// write prints the banner for a person reading a terminal.
func (b banner) write(w io.Writer) {
	line := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	line("")
	line("ArticleKit is running.")
	line("")
	if b.webApp != "" {
		line("  Open the web app: %s   (status page: %s#/status)", b.webApp, b.webApp)
		line("")
	} else {
		line("  Web app       %s   (route / and /app/ of your gateway to it, beside /graphql)", b.webAppListener)
	}
	line("  REST API      %s/articles     (OpenAPI: %s/openapi.json)", b.rest, b.rest)
	line("  GraphQL       %s/graphql      (open it in a browser for GraphiQL)", b.graphql)
	if b.gatewayHTTP != "" || b.gatewayHTTPS != "" {
		line("  Gateway       %s   %s", b.gatewayHTTP, b.gatewayHTTPS)
	}
	if b.gatewayAdmin != "" {
		line("  Gateway admin %s/routes", b.gatewayAdmin)
	}
	line("  Metrics       %s/metrics", b.rest)
	kind := ""
	if b.embeddedBroker {
		kind = " (embedded, in memory)"
	}
	line("  Kafka         %s%s   kcat -C -b %s -t articles-sync", strings.Join(b.brokers, ","), kind, b.brokers[0])
	if b.devKey != "" {
		line("")
		line("  Development credentials (GATEWAY_CONFIG replaces them):")
		line("    API key for writes   %s", b.devKey)
		line("      curl -X POST %s/articles -H 'apikey: %s' -H 'Content-Type: application/json' -d '{\"title\":\"Hello\"}'", b.gatewayHTTP, b.devKey)
		line("    admin API            %s / %s", b.devAdmin, b.devAdminPass)
	}
	if len(b.files) > 0 {
		line("")
		line("  Files written: %s", strings.Join(b.files, ", "))
	}
	line("")
	line("  Each default gives way to real infrastructure: DATABASE_URL, SYNC_TARGET_DATABASE_URL, KAFKA_BROKERS,")
	line("  GATEWAY_CONFIG, ETL_PIPELINES and the rest (fullstack -h lists them, the README explains them).")
	line("")
}

// log writes the banner as one structured line, for logs read by machines.
func (b banner) log(log *zap.Logger) {
	fields := []zap.Field{zap.String("web_app", b.webApp+b.webAppListener), zap.String("rest", b.rest), zap.String("graphql", b.graphql),
		zap.String("gateway_http", b.gatewayHTTP), zap.String("gateway_https", b.gatewayHTTPS),
		zap.String("gateway_admin", b.gatewayAdmin), zap.String("metrics", b.rest+"/metrics"),
		zap.Strings("kafka_brokers", b.brokers), zap.Bool("kafka_embedded", b.embeddedBroker), zap.Strings("files", b.files)}
	if b.devKey != "" {
		fields = append(fields, zap.String("dev_api_key", b.devKey), zap.String("dev_admin", b.devAdmin+":"+b.devAdminPass))
	}
	log.Info("ArticleKit is running", fields...)
}

// showBanner prints the banner once everything has started: as text on a
// terminal, as a log line otherwise.
func showBanner(cfg config, gw gateway.Config) fx.Option {
	return fx.Invoke(func(lc fx.Lifecycle, log *zap.Logger, brokers kafkasync.Brokers) {
		b := newBanner(cfg, gw, brokers)
		lc.Append(fx.StartHook(func(context.Context) {
			if isatty.IsTerminal(os.Stderr.Fd()) {
				b.write(os.Stderr)
				return
			}
			b.log(log)
		}))
	})
}

// hostPort makes a listen address one to connect to: an empty host, or one
// that means every interface, is localhost.
func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func listenURL(scheme, addr string) string {
	if addr == "" || addr == "-" {
		return ""
	}
	return scheme + "://" + hostPort(addr)
}
