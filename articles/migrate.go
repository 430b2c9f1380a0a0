package articles

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/articlekit/articlekit/articles/sqldb"
)

//go:embed migrations
var migrationFiles embed.FS

// migrateSchema brings the schema up to date. It holds a database-wide lock
// while it works, so several processes starting at once migrate exactly
// once, and running it again is a no-op.
func migrateSchema(ctx context.Context, db *sqldb.DB) (applied []string, err error) {
	dir, err := fs.Sub(migrationFiles, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, fmt.Errorf("articles: migrations for %s: %w", db.Dialect, err)
	}
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(dir); err != nil {
		return nil, fmt.Errorf("articles: discover migrations: %w", err)
	}
	err = db.WithLock(ctx, "articlekit-migrate", func(ctx context.Context, conn *bun.DB) error {
		migrator := migrate.NewMigrator(conn, migrations,
			migrate.WithTableName("articlekit_migrations"),
			migrate.WithLocksTableName("articlekit_migration_locks"),
			migrate.WithMarkAppliedOnSuccess(true))
		if err := migrator.Init(ctx); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		group, err := migrator.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, m := range group.Migrations {
			applied = append(applied, m.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("articles: migrate %s: %w", db, err)
	}
	return applied, nil
}
