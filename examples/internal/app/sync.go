package app

import (
	"errors"
	"fmt"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync"
)

// SyncTarget is where the example programs' sync consumer applies changes.
type SyncTarget struct {
	// Applier is "store" (the database at DatabaseURL) or "rest" (PUT and
	// DELETE on the REST API at URL, which must accept replication).
	Applier     string `env:"SYNC_APPLIER" envDefault:"store"`
	DatabaseURL string `env:"SYNC_TARGET_DATABASE_URL" envDefault:"sqlite://articles-replica.db"`
	// URL has no default: the likeliest guess, a local API, is the source
	// itself.
	URL string `env:"SYNC_TARGET_URL"`
}

// Provide provides the consumer's kafkasync.Applier: the Service of the
// target database, opened and closed with the app, or a REST applier.
func (t SyncTarget) Provide() fx.Option {
	switch t.Applier {
	case "store", "":
		return fx.Provide(func(lc fx.Lifecycle, log *zap.Logger) (kafkasync.Applier, error) {
			return articles.Open(lc, articles.Config{DatabaseURL: t.DatabaseURL}, articles.WithLogger(log.Named("target")))
		})
	case "rest":
		if t.URL == "" {
			return fx.Error(errors.New("SYNC_TARGET_URL is required with SYNC_APPLIER=rest"))
		}
		return fx.Provide(func() (kafkasync.Applier, error) { return kafkasync.NewRESTApplierURL(t.URL) })
	default:
		return fx.Error(fmt.Errorf("SYNC_APPLIER %q: want store or rest", t.Applier))
	}
}
