package ktr

import (
	"errors"
	"strings"
	"testing"
)

func TestDSN(t *testing.T) {
	pg := Connection{Name: "pg", Type: "POSTGRESQL", Access: "Native", Host: "db.example", Port: "5432", Database: "news", Username: "etl", Password: "secret"}
	with := func(c Connection, edit func(*Connection)) Connection { edit(&c); return c }
	cdc := parseTestdata(t, "group_to_table.template.ktr").Connections[0]
	cdcVars := Variables{
		"Config.CDC.RDB.Writer.Server": "10.1.2.3", "Config.CDC.RDB.Writer.Port": "6432",
		"Config.CDC.RDB.Writer.Database": "cdc", "Config.CDC.RDB.Writer.Username": "writer",
		"Config.CDC.RDB.Writer.Password": "p@ss:w/rd?",
	}
	tests := []struct {
		name      string
		conn      Connection
		vars      Variables
		overrides map[string]string
		want      string
	}{
		{name: "postgres sample, decoded password", conn: parseTestdata(t, "table_io_db_field_renamed_and_list_trimmed.ktr").Connections[0],
			want: "postgres://postgres:postgres@localhost:5432/postgres?sslmode=disable"},
		{name: "variables, escaped password", conn: cdc, vars: cdcVars,
			want: "postgres://writer:p%40ss%3Aw%2Frd%3F@10.1.2.3:6432/cdc?sslmode=disable"},
		{name: "postgres", conn: pg, want: "postgres://etl:secret@db.example:5432/news?sslmode=disable"},
		{name: "no password", conn: with(pg, func(c *Connection) { c.Password = "" }), want: "postgres://etl@db.example:5432/news?sslmode=disable"},
		{name: "no user", conn: with(pg, func(c *Connection) { c.Username, c.Password = "", "" }), want: "postgres://db.example:5432/news?sslmode=disable"},
		{name: "no port", conn: with(pg, func(c *Connection) { c.Port = "-1" }), want: "postgres://etl:secret@db.example/news?sslmode=disable"},
		{name: "ipv6", conn: with(pg, func(c *Connection) { c.Host, c.Port = "::1", "" }), want: "postgres://etl:secret@[::1]/news?sslmode=disable"},
		{name: "lower-case type, no access", conn: with(pg, func(c *Connection) { c.Type, c.Access = "postgresql", "" }), want: "postgres://etl:secret@db.example:5432/news?sslmode=disable"},
		{name: "mysql", conn: with(pg, func(c *Connection) { c.Type, c.Port = "MYSQL", "3306" }), want: "mysql://etl:secret@db.example:3306/news"},
		{name: "mariadb", conn: with(pg, func(c *Connection) { c.Type, c.Username = "MARIADB", "a b" }), want: "mysql://a%20b:secret@db.example:5432/news"},
		{name: "sqlite", conn: Connection{Name: "lite", Type: "SQLITE", Access: "Native", Database: "${DIR}/articles.db"}, vars: Variables{"DIR": "/var/lib"},
			want: "sqlite:///var/lib/articles.db"},
		{name: "encrypted password via variable", conn: with(pg, func(c *Connection) { c.Password = "${PW}" }),
			vars: Variables{"PW": "Encrypted 2be98afc86aa7f2e4cb799d64cc9ba1dd"}, want: "postgres://etl:String@db.example:5432/news?sslmode=disable"},
		{name: "generic postgres", conn: Connection{Name: "g", Type: "GENERIC", Username: "u", Password: "p", Attributes: map[string]string{
			"CUSTOM_URL": "jdbc:postgresql://${HOST}:5433/shop?ssl=true"}}, vars: Variables{"HOST": "pg.local"},
			want: "postgres://u:p@pg.local:5433/shop?sslmode=disable"},
		{name: "generic mysql", conn: Connection{Name: "g", Type: "GENERIC", Username: "u", Attributes: map[string]string{
			"CUSTOM_URL": "jdbc:mysql://my.local/shop?useSSL=false"}}, want: "mysql://u@my.local/shop"},
		{name: "generic mariadb, user from URL", conn: Connection{Name: "g", Type: "GENERIC", Attributes: map[string]string{
			"CUSTOM_URL": "jdbc:mariadb://x:y@maria:3307/db"}}, want: "mysql://x:y@maria:3307/db"},
		{name: "generic sqlite", conn: Connection{Name: "g", Type: "GENERIC", Attributes: map[string]string{
			"CUSTOM_URL": "jdbc:sqlite:data/articles.db"}}, want: "sqlite://data/articles.db"},
		{name: "URL override", conn: parseTestdata(t, "General - Change log processing 2.ktr").Connections[0],
			overrides: map[string]string{"KTR_CONNECTION_SAMPLEDATA_H2_URL": "sqlite://sample.db"}, want: "sqlite://sample.db"},
		{name: "user and password overrides", conn: parseTestdata(t, "table_io_db_field_renamed_and_list_trimmed.ktr").Connections[0],
			overrides: map[string]string{"KTR_CONNECTION_POSTGRES___LOCALHOST_USER": "ci", "KTR_CONNECTION_POSTGRES___LOCALHOST_PASSWORD": "s3cr#t"},
			want:      "postgres://ci:s3cr%23t@localhost:5432/postgres?sslmode=disable"},
		{name: "overrides replace unset variables", conn: cdc, vars: Variables{
			"Config.CDC.RDB.Writer.Server": "h", "Config.CDC.RDB.Writer.Port": "1", "Config.CDC.RDB.Writer.Database": "d"},
			overrides: map[string]string{"KTR_CONNECTION_DB_KPT_CDC_RDB_WRITER_USER": "u", "KTR_CONNECTION_DB_KPT_CDC_RDB_WRITER_PASSWORD": ""},
			want:      "postgres://u@h:1/d?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.conn.DSN(tt.vars, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DSN() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDSNErrors(t *testing.T) {
	pg := Connection{Name: "pg", Type: "POSTGRESQL", Access: "Native", Host: "db", Database: "news"}
	tests := []struct {
		name        string
		conn        Connection
		unsupported bool
		want        string
	}{
		{"H2 sample", parseTestdata(t, "General - Change log processing 2.ktr").Connections[0], true, "H2 has no Go driver (set KTR_CONNECTION_SAMPLEDATA_H2_URL"},
		{"generic H2 sample", parseTestdata(t, "Database - generic driver usage.ktr").Connections[0], true, `JDBC driver "h2"`},
		{"missing variables", parseTestdata(t, "group_to_table.template.ktr").Connections[0], false,
			"undefined variables Config.CDC.RDB.Writer.Username, Config.CDC.RDB.Writer.Password, Config.CDC.RDB.Writer.Server"},
		{"JNDI", Connection{Name: "pg", Type: "POSTGRESQL", Access: "JNDI", Database: "jdbc/news"}, true, "JNDI access (set KTR_CONNECTION_PG_URL)"},
		{"oracle", Connection{Name: "o", Type: "ORACLE", Access: "Native", Host: "h"}, true, `type "ORACLE"`},
		{"no host", Connection{Name: "pg", Type: "POSTGRESQL"}, false, "no host"},
		{"bad port", Connection{Name: "pg", Type: "POSTGRESQL", Host: "h", Port: "54x"}, false, `port "54x"`},
		{"no sqlite file", Connection{Name: "s", Type: "SQLITE"}, false, "no database file"},
		{"not jdbc", Connection{Name: "g", Type: "GENERIC", Attributes: map[string]string{"CUSTOM_URL": "postgres://h/db"}}, true, "is not a JDBC URL"},
		{"jdbc without host", Connection{Name: "g", Type: "GENERIC", Attributes: map[string]string{"CUSTOM_URL": "jdbc:postgresql:news"}}, false, "want jdbc:postgresql://host"},
		{"bad password", Connection{Name: "pg", Type: "POSTGRESQL", Host: "h", Password: "${PW}"}, false, "password"},
	}
	vars := Variables{"PW": "Encrypted zz"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, err := tt.conn.DSN(vars, nil)
			if err == nil {
				t.Fatalf("DSN() = %q, want an error", dsn)
			}
			if !strings.HasPrefix(err.Error(), "ktr: connection ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrUnsupportedDatabase) != tt.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupportedDatabase) = %v, want %v", !tt.unsupported, tt.unsupported)
			}
		})
	}
	if _, err := pg.DSN(nil, nil); err != nil {
		t.Errorf("DSN with nil variables: %v", err)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"SampleData.H2": "SAMPLEDATA_H2", "Postgres - localhost": "POSTGRES___LOCALHOST",
		"db_kpt_cdc_rdb_writer": "DB_KPT_CDC_RDB_WRITER", "Zürich 2": "Z_RICH_2",
	} {
		if got := envName(in); got != want {
			t.Errorf("envName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDecodePassword uses the values of Kettle's own
// KettleTwoWayPasswordEncoderTest.
func TestDecodePassword(t *testing.T) {
	for in, want := range map[string]string{
		"Encrypted 2be98afc86aa7f2e4cb799d64cc9ba1dd":                                      "String",
		"Encrypted 2be98afc86aa7c3d6f84dfb2689caf68a":                                      "1234567890",
		"Encrypted 2be98afe84af48285a81cbd30d297a9ce":                                      "  Spaces left",
		"Encrypted 2be98afc839d79387ae0aee62d795a7ce":                                      "Spaces right",
		"Encrypted 2be98afc86aa7f2e4cb79ce309ed2ef9a":                                      "     ",
		"Encrypted 54657374206f6620646966666572656e742067d0fbddb11ad39b8ba50aef31fed1eb9f": "Test of different encryptions!!@#$%",
		"Encrypted 2be988fed4f87a4a599599d64cc9ba1dd":                                      " %% VAR String",
		"Encrypted ":     "",
		"plain text":     "plain text",
		" ${VAR} String": " ${VAR} String",
	} {
		if got, err := decodePassword(in); err != nil || got != want {
			t.Errorf("decodePassword(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Encrypted xyz", "Encrypted -2be9", "Encrypted 0x2be9"} {
		if got, err := decodePassword(in); err == nil {
			t.Errorf("decodePassword(%q) = %q, want an error", in, got)
		}
	}
}

// A malformed CUSTOM_URL is named in the error without its password.
func TestCustomURLErrorsHidePasswords(t *testing.T) {
	for _, raw := range []string{"jdbc:postgresql://bob:s3cret@/db", "odbc://bob:s3cret@host/db"} {
		c := Connection{Name: "g", Type: "GENERIC", Attributes: map[string]string{"CUSTOM_URL": raw}}
		_, err := c.DSN(nil, nil)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("DSN(%q) error: %v", raw, err)
		}
	}
}
