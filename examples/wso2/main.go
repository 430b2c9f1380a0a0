// Command wso2 connects the ArticleKit gateway's configuration and the
// REST API to WSO2:
//
//	wso2 synapse -config gateway.yaml [-name ArticlesAPI] [-context /articles]   a Micro Integrator <api> on stdout
//	wso2 apictl  -config gateway.yaml -out DIR [-endpoint URL]                   an apictl project in DIR
//	wso2 publish -url https://127.0.0.1:9443 -user admin [-endpoint URL]         publish in API Manager
//
// publish reads the password from WSO2_PASSWORD; -insecure trusts API
// Manager's self-signed certificate. Exit status: 0 done, 1 failed, 2 usage.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/gateway/wso2"
	"github.com/articlekit/articlekit/restapi"
)

const usage = "usage: wso2 synapse|apictl|publish [flags] (wso2 COMMAND -h for the flags)"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stderr, usage)
		return 0
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "the gateway's YAML configuration")
	name := fs.String("name", "Articles", "the API's name")
	apiContext := fs.String("context", "/articles", "the API's context")
	version := fs.String("version", "1.0.0", "the API's version")
	endpoint := fs.String("endpoint", "http://127.0.0.1:5000", "the backend WSO2 sends to")
	out := fs.String("out", "", "apictl: the project directory")
	baseURL := fs.String("url", "https://127.0.0.1:9443", "publish: API Manager's address")
	user := fs.String("user", "admin", "publish: an API Manager admin")
	insecure := fs.Bool("insecure", false, "publish: trust API Manager's certificate without checking it")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	info := wso2.APIInfo{Name: *name, Context: *apiContext, Version: *version, Endpoint: *endpoint}
	fail := func(err error) int { fmt.Fprintln(stderr, "wso2:", err); return 1 }
	switch args[0] {
	case "synapse", "apictl":
		cfg, err := loadConfig(*configFile)
		if err != nil {
			return fail(err)
		}
		if args[0] == "synapse" {
			xml, err := wso2.SynapseAPI(cfg, *name, *apiContext)
			if err != nil {
				return fail(err)
			}
			_, _ = stdout.Write(xml)
			return 0
		}
		if *out == "" {
			fmt.Fprintln(stderr, "wso2 apictl: -out DIR is needed")
			return 2
		}
		files, err := wso2.Project(info, cfg, restapi.OpenAPIDocument())
		if err == nil {
			err = wso2.WriteProject(*out, files)
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "apictl project in %s: apictl import api -f %s -e <environment>\n", *out, *out)
		return 0
	case "publish":
		client := &http.Client{Timeout: 30 * time.Second}
		if *insecure {
			client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // asked for
		}
		p := &wso2.Publisher{BaseURL: *baseURL, Username: *user, Password: getenv("WSO2_PASSWORD"), HTTP: client}
		res, err := p.Publish(ctx, info, restapi.OpenAPIDocument())
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "API %s: revision %s deployed (created: %v, published now: %v)\n", res.APIID, res.RevisionID, res.Created, res.Published)
		return 0
	}
	fmt.Fprintln(stderr, usage)
	return 2
}

func loadConfig(path string) (gateway.Config, error) {
	if path == "" {
		return gateway.Config{}, fmt.Errorf("-config FILE is needed")
	}
	f, err := os.Open(path)
	if err != nil {
		return gateway.Config{}, err
	}
	defer f.Close()
	return gateway.ParseConfig(f)
}
