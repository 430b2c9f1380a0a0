package wso2

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	"github.com/articlekit/articlekit/gateway"
)

// synapse elements, as Micro Integrator reads them.
type (
	synapseAPI struct {
		XMLName   xml.Name          `xml:"http://ws.apache.org/ns/synapse api"`
		Name      string            `xml:"name,attr"`
		Context   string            `xml:"context,attr"`
		Resources []synapseResource `xml:"resource"`
	}
	synapseResource struct {
		Methods     string          `xml:"methods,attr"`
		URITemplate string          `xml:"uri-template,attr,omitempty"`
		URLMapping  string          `xml:"url-mapping,attr,omitempty"`
		In          synapseSequence `xml:"inSequence"`
		Out         synapseSequence `xml:"outSequence"`
		Fault       struct{}        `xml:"faultSequence"`
	}
	synapseSequence struct {
		Send *synapseSend `xml:"send"`
	}
	synapseSend struct {
		Endpoint *synapseEndpoint `xml:"endpoint"`
	}
	synapseEndpoint struct {
		Address     *synapseAddress `xml:"address,omitempty"`
		LoadBalance *synapseGroup   `xml:"loadbalance,omitempty"`
		Failover    *synapseGroup   `xml:"failover,omitempty"`
	}
	synapseGroup struct {
		Algorithm string            `xml:"algorithm,attr,omitempty"`
		Endpoints []synapseEndpoint `xml:"endpoint"`
	}
	// synapseAddress sends to uri followed by the request's path after the
	// API's context (Synapse's REST_URL_POSTFIX).
	synapseAddress struct {
		URI string `xml:"uri,attr"`
	}
)

// roundRobin is Synapse's load-balancing algorithm class.
const roundRobin = "org.apache.synapse.endpoints.algorithms.RoundRobin"

var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

// SynapseAPI renders the routes of cfg under context (e.g. /articles) as a
// Synapse <api> named name: one resource per route, sending to its
// upstream's targets (round-robin, then the failover pool's). Gateway
// concerns that Synapse leaves to API Manager (authentication, throttling)
// are not part of the artifact.
func SynapseAPI(cfg gateway.Config, name, context string) ([]byte, error) {
	if name == "" || !strings.HasPrefix(context, "/") {
		return nil, fmt.Errorf("wso2: an API needs a name and a context starting with /")
	}
	api := synapseAPI{Name: name, Context: strings.TrimSuffix(context, "/")}
	for _, r := range cfg.Routes {
		up, ok := cfg.Upstreams[r.Upstream]
		if !ok {
			return nil, fmt.Errorf("wso2: route %q: unknown upstream %q", r.Name, r.Upstream)
		}
		path := strings.TrimPrefix(r.Path, api.Context)
		if path == "" {
			path = "/"
		}
		res := synapseResource{Methods: strings.Join(methods(r), " ")}
		switch {
		case strings.HasSuffix(path, "/") && path != "/", strings.Contains(path, "...}"):
			// A prefix or a rest wildcard: Synapse's url-mapping with /*.
			res.URLMapping = wildcard.ReplaceAllString(strings.TrimSuffix(path, "/"), "*")
			res.URLMapping = strings.TrimSuffix(res.URLMapping, "/*") + "/*"
		default:
			res.URITemplate = wildcard.ReplaceAllString(path, "{$1}")
		}
		ep, err := endpoint(cfg, up, r, api.Context)
		if err != nil {
			return nil, err
		}
		res.In.Send = &synapseSend{Endpoint: ep}
		res.Out.Send = &synapseSend{}
		api.Resources = append(api.Resources, res)
	}
	out, err := xml.MarshalIndent(api, "", "    ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func methods(r gateway.Route) []string {
	if len(r.Methods) > 0 {
		return r.Methods
	}
	return []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
}

// endpoint is the upstream as a Synapse endpoint: its targets balanced,
// failing over to the failover pool's.
func endpoint(cfg gateway.Config, up gateway.Upstream, r gateway.Route, context string) (*synapseEndpoint, error) {
	// The upstream path the context stands for, after the route's rewrite.
	prefix := strings.TrimSuffix(r.AddPrefix, "/") + strings.TrimPrefix(context, strings.TrimSuffix(r.StripPrefix, "/"))
	group := func(u gateway.Upstream) *synapseEndpoint {
		var eps []synapseEndpoint
		for _, t := range u.Targets {
			eps = append(eps, synapseEndpoint{Address: &synapseAddress{URI: strings.TrimSuffix(t.URL, "/") + prefix}})
		}
		if len(eps) == 1 {
			return &eps[0]
		}
		return &synapseEndpoint{LoadBalance: &synapseGroup{Algorithm: roundRobin, Endpoints: eps}}
	}
	main := group(up)
	if up.Failover == "" {
		return main, nil
	}
	fo, ok := cfg.Upstreams[up.Failover]
	if !ok {
		return nil, fmt.Errorf("wso2: unknown failover upstream %q", up.Failover)
	}
	return &synapseEndpoint{Failover: &synapseGroup{Endpoints: []synapseEndpoint{*main, *group(fo)}}}, nil
}
