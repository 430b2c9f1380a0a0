package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// ParseFlags reads the command line of a program configured by the
// environment: it takes no flags but -h and --help, which print the
// program's usage — summary, then every variable cfg reads with its
// default — and exit with status 0, starting nothing; anything else on the
// command line is a usage error, status 2. Call it before reading the
// environment, with cfg holding the program's defaults.
func ParseFlags(name, summary string, cfg any) {
	if err := parseFlags(os.Args[1:], name, summary, cfg, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
}

func parseFlags(args []string, name, summary string, cfg any, out io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { PrintUsage(out, name, summary, cfg) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(out, "%s: unexpected argument %q; the program is configured by the environment (%s -h)\n", name, fs.Arg(0), name)
		return errors.New("unexpected argument")
	}
	return nil
}

// PrintUsage writes name's usage: summary, then every environment variable
// cfg reads (from its `env` tags, nested structs included) with its
// default: cfg's value, with each package Config's WithDefaults applied, or
// the tag's envDefault.
func PrintUsage(out io.Writer, name, summary string, cfg any) {
	fmt.Fprintf(out, "usage: %s\n\n%s\n\nEnvironment, with defaults (the README describes each):\n", name, strings.TrimSpace(summary))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, v := range envVars(reflect.ValueOf(cfg)) {
		fmt.Fprintf(tw, "  %s\t%s\n", v.key, v.value)
	}
	_ = tw.Flush()
}

type envVar struct{ key, value string }

// envVars lists the `env`-tagged fields below v, in field order, each
// variable once.
func envVars(v reflect.Value) []envVar {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	v = withDefaults(v)
	var vars []envVar
	for i := range v.NumField() {
		f, field := v.Type().Field(i), v.Field(i)
		key := strings.Split(f.Tag.Get("env"), ",")[0]
		switch {
		case key != "":
			vars = append(vars, envVar{key, describe(field, f.Tag.Get("envDefault"))})
		case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]():
			for _, nested := range envVars(field) {
				if !slices.ContainsFunc(vars, func(e envVar) bool { return e.key == nested.key }) {
					vars = append(vars, nested)
				}
			}
		}
	}
	return vars
}

// withDefaults is v with its package's defaults (a WithDefaults method
// returning the same type, as every package's Config has), or v.
func withDefaults(v reflect.Value) reflect.Value {
	m := v.MethodByName("WithDefaults")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || m.Type().Out(0) != v.Type() {
		return v
	}
	return m.Call(nil)[0]
}

func describe(field reflect.Value, envDefault string) string {
	switch {
	case !field.IsZero():
		if s, ok := field.Interface().([]string); ok {
			return strings.Join(s, ",")
		}
		return fmt.Sprint(field.Interface())
	case envDefault != "":
		return envDefault
	default:
		return "(unset)"
	}
}
