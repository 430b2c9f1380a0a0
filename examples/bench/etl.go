package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/sqlio"
)

// etlOptions tune the ETL benchmark.
type etlOptions struct {
	rows       int
	pgURL      string
	dir        string
	cpuProfile string // of the pipeline's run
}

const etlTable = `CREATE TABLE articles (id BIGINT PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL,
	author TEXT NOT NULL, tags TEXT NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, version BIGINT NOT NULL)`

// runETL loads rows article rows from SQLite into PostgreSQL with a
// pipeline (query → COPY), after the same rows loaded by psql's \copy from
// a CSV file: the limit of what the server takes in. The pipeline runs in a
// child process so that its peak RSS is its own.
func runETL(o etlOptions) error {
	if o.pgURL == "" {
		return errors.New("etl: set ARTICLEKIT_TEST_POSTGRES_URL (bash .ci/services start prints it)")
	}
	dir, err := os.MkdirTemp(o.dir, "bench-etl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("ETL benchmark: %d article rows, SQLite → PostgreSQL, full load\n", o.rows)
	srcURL := "sqlite://" + filepath.Join(dir, "a.db")
	csvPath := filepath.Join(dir, "a.csv")
	start := time.Now()
	if err := seedETL(srcURL, csvPath, o.rows); err != nil {
		return err
	}
	fmt.Printf("seeded in %s\n", time.Since(start).Round(time.Millisecond))
	admin, err := sql.Open("pgx", o.pgURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	name := fmt.Sprintf("bench_etl_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		return err
	}
	defer admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") //nolint:errcheck // best effort
	u, err := url.Parse(o.pgURL)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	dstURL := u.String()
	reset := func() error {
		db, err := sql.Open("pgx", dstURL)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Exec("DROP TABLE IF EXISTS articles; " + etlTable)
		return err
	}
	if err := reset(); err != nil {
		return err
	}
	start = time.Now()
	psql := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", dstURL, "-c", `\copy articles FROM '`+csvPath+`' WITH (FORMAT csv)`)
	if out, err := psql.CombinedOutput(); err != nil {
		return fmt.Errorf("psql: %w: %s", err, out)
	}
	raw := time.Since(start)
	if err := reset(); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "etl-load", srcURL, dstURL, o.cpuProfile)
	child.Stderr = os.Stderr
	out, err := child.Output()
	if err != nil {
		return fmt.Errorf("etl-load: %w", err)
	}
	var d time.Duration
	var hwmKiB int64
	if _, err := fmt.Sscan(string(out), &d, &hwmKiB); err != nil {
		return fmt.Errorf("etl-load said %q", out)
	}
	rssMiB := float64(hwmKiB) / 1024
	rate := func(d time.Duration) float64 { return float64(o.rows) / d.Seconds() }
	fmt.Printf("\n%-28s %12s %12s %10s\n", "load", "rows/s", "time", "peak RSS")
	fmt.Printf("%-28s %12.0f %12s %10s\n", "psql \\copy (CSV, the limit)", rate(raw), raw.Round(time.Millisecond), "-")
	fmt.Printf("%-28s %12.0f %12s %8.0f MiB\n", "pipeline: query → COPY", rate(d), d.Round(time.Millisecond), rssMiB)
	fmt.Printf("pipeline vs raw COPY: %.0f%%\n", 100*raw.Seconds()/d.Seconds())
	return nil
}

// loadETL is the child process: it runs the pipeline and prints its time,
// writing a CPU profile of the run to cpuProfile unless it is empty.
func loadETL(srcURL, dstURL, cpuProfile string) error {
	src, err := sqldb.Open(srcURL, sqldb.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := sqldb.Open(dstURL, sqldb.Options{})
	if err != nil {
		return err
	}
	defer dst.Close()
	p := etl.New("bench").
		Then("read", &sqlio.Query{DB: src, SQL: "SELECT id, title, content, author, tags, created_at, updated_at, version FROM articles"}).
		Then("write", &sqlio.Table{DB: dst, Name: "articles", Copy: true})
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	res, err := p.Run(context.Background())
	if err != nil {
		return err
	}
	if w := res.Step("write").Written; w == 0 {
		return errors.New("nothing written")
	}
	hwm, err := peakRSS()
	if err != nil {
		return err
	}
	fmt.Println(int64(res.Duration), hwm)
	return nil
}

// peakRSS reads this process's peak resident set (VmHWM, KiB) from Linux's
// /proc: the child's own, which getrusage of a child started by a large
// parent overstates.
func peakRSS() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// seedETL writes the source rows into SQLite and, the same, into a CSV file.
func seedETL(srcURL, csvPath string, n int) error {
	db, err := sqldb.Open(srcURL, sqldb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Write.DB.Exec(strings.ReplaceAll(etlTable, "TIMESTAMP", "DATETIME")); err != nil {
		return err
	}
	f, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	tx, err := db.Write.DB.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	stmt, err := tx.Prepare("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	content := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 4)
	for i := 1; i <= n; i++ {
		at := base.Add(time.Duration(i) * time.Second)
		title, author, tags := "Article "+strconv.Itoa(i), "author"+strconv.Itoa(i%100), `["go","etl"]`
		if _, err := stmt.Exec(i, title, content, author, tags, at, at, 1); err != nil {
			return err
		}
		ts := at.Format("2006-01-02 15:04:05")
		if err := w.Write([]string{strconv.Itoa(i), title, content, author, tags, ts, ts, "1"}); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return tx.Commit()
}
