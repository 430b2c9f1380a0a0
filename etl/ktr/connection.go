package ktr

import (
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/articlekit/articlekit/articles/sqldb"
)

// ErrUnsupportedDatabase is returned, wrapped, by Connection.DSN for a
// connection ArticleKit has no Go driver or mapping for, such as H2 or JNDI
// access. Setting KTR_CONNECTION_<NAME>_URL maps it to a database anyway.
var ErrUnsupportedDatabase = errors.New("unsupported database")

// DSN maps the connection to an ArticleKit DATABASE_URL:
//
//	sqlite://path                                          SQLITE (Database is the file)
//	postgres://user:pass@host:port/db?sslmode=disable      POSTGRESQL
//	mysql://user:pass@host:port/db                         MYSQL, MARIADB
//
// GENERIC connections are mapped from their CUSTOM_URL attribute, a
// jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb:// or jdbc:sqlite: URL
// (its query parameters are dropped). Variables are expanded first; a
// reference with no value is an error.
//
// overrides, usually the environment, may replace the result: with NAME the
// connection name upper-cased and every character other than A-Z and 0-9
// replaced by '_', KTR_CONNECTION_<NAME>_URL replaces the whole DSN, and
// KTR_CONNECTION_<NAME>_USER and _PASSWORD replace those parts.
func (c Connection) DSN(vars Variables, overrides map[string]string) (string, error) {
	prefix := "KTR_CONNECTION_" + envName(c.Name) + "_"
	if dsn := overrides[prefix+"URL"]; dsn != "" {
		return dsn, nil
	}
	dsn, err := c.dsn(vars, overrides, prefix)
	if err != nil {
		return "", fmt.Errorf("ktr: connection %q: %w", c.Name, err)
	}
	return dsn, nil
}

func (c Connection) dsn(vars Variables, overrides map[string]string, prefix string) (string, error) {
	var missing []string
	seen := map[string]bool{}
	expand := func(s string) string {
		for _, name := range vars.missing(s) {
			if !seen[name] {
				seen[name] = true
				missing = append(missing, name)
			}
		}
		return vars.Expand(s)
	}
	user, ok := overrides[prefix+"USER"]
	if !ok {
		user = expand(c.Username)
	}
	password, ok := overrides[prefix+"PASSWORD"]
	if !ok {
		password = expand(c.Password)
	}
	typ := strings.ToUpper(strings.TrimSpace(expand(c.Type)))
	access := strings.ToUpper(strings.TrimSpace(expand(c.Access)))
	host, port, database := expand(c.Host), expand(c.Port), expand(c.Database)
	customURL := ""
	if typ == "GENERIC" {
		customURL = expand(c.Attributes["CUSTOM_URL"])
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("undefined variables %s (set them, or %sURL)", strings.Join(missing, ", "), prefix)
	}
	password, err := decodePassword(password)
	if err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	if typ == "H2" {
		return "", fmt.Errorf("%w: H2 has no Go driver (set %sURL to another database)", ErrUnsupportedDatabase, prefix)
	}
	if access != "" && access != "NATIVE" {
		// JNDI and ODBC name a data source configured outside the file.
		return "", fmt.Errorf("%w: %s access (set %sURL)", ErrUnsupportedDatabase, c.Access, prefix)
	}
	switch typ {
	case "POSTGRESQL":
		return networkDSN("postgres", user, password, host, port, database, "sslmode=disable")
	case "MYSQL", "MARIADB":
		return networkDSN("mysql", user, password, host, port, database, "")
	case "SQLITE":
		if database == "" {
			return "", errors.New("SQLITE connection names no database file")
		}
		return "sqlite://" + database, nil
	case "GENERIC":
		return jdbcDSN(customURL, user, password, prefix)
	}
	return "", fmt.Errorf("%w: type %q (set %sURL)", ErrUnsupportedDatabase, c.Type, prefix)
}

// networkDSN builds scheme://user:password@host:port/database?query, with
// user and password escaped. An empty or -1 port (Kettle's "none") is left
// out, for the driver's default.
func networkDSN(scheme, user, password, host, port, database, query string) (string, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return "", errors.New("no host")
	}
	if port = strings.TrimSpace(port); port == "-1" {
		port = ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("port %q is not a port number", port)
		}
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 address
	}
	u := url.URL{Scheme: scheme, Host: host, Path: "/" + database, RawQuery: query}
	switch {
	case password != "":
		u.User = url.UserPassword(user, password)
	case user != "":
		u.User = url.User(user)
	}
	return u.String(), nil
}

// jdbcDSN maps a JDBC URL to a DSN. User and password from the connection
// win over any in the URL.
func jdbcDSN(jdbc, user, password, prefix string) (string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(jdbc), "jdbc:")
	if !ok {
		return "", fmt.Errorf("%w: CUSTOM_URL %q is not a JDBC URL (set %sURL)", ErrUnsupportedDatabase, sqldb.Redact(jdbc), prefix)
	}
	driver, _, _ := strings.Cut(rest, ":")
	var scheme, query string
	switch driver {
	case "sqlite":
		path := strings.TrimPrefix(rest, "sqlite:")
		if path == "" {
			return "", errors.New("CUSTOM_URL names no SQLite file")
		}
		return "sqlite://" + path, nil
	case "postgresql":
		scheme, query = "postgres", "sslmode=disable"
	case "mysql", "mariadb":
		scheme = "mysql"
	default:
		return "", fmt.Errorf("%w: JDBC driver %q has no Go equivalent here (set %sURL)", ErrUnsupportedDatabase, driver, prefix)
	}
	u, err := url.Parse(rest)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("CUSTOM_URL %q: want jdbc:%s://host[:port]/database", sqldb.Redact(jdbc), driver)
	}
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && password == "" {
			password = p
		}
	}
	return networkDSN(scheme, user, password, u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"), query)
}

// envName turns a connection name into the NAME of KTR_CONNECTION_<NAME>_….
func envName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return r
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return '_'
	}, name)
}

// kettleSeed is the key of Kettle's password obfuscation
// (KettleTwoWayPasswordEncoder): "Encrypted " followed by the hexadecimal
// of the password's bytes, read as a big-endian number, XOR this number.
var kettleSeed, _ = new(big.Int).SetString("0933910847463829827159347601486730416058", 10)

// decodePassword decodes a Kettle-obfuscated password ("Encrypted 2be98a…")
// and returns any other text unchanged.
func decodePassword(s string) (string, error) {
	digits, ok := strings.CutPrefix(s, "Encrypted ")
	if !ok {
		return s, nil
	}
	digits = strings.TrimSpace(digits)
	if digits == "" {
		return "", nil
	}
	if strings.Trim(digits, "0123456789abcdefABCDEF") != "" {
		return "", errors.New(`"Encrypted " is not followed by hexadecimal digits`)
	}
	n, _ := new(big.Int).SetString(digits, 16)
	return string(n.Xor(n, kettleSeed).Bytes()), nil
}
