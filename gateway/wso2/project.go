package wso2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/articlekit/articlekit/gateway"
)

// APIInfo describes the API WSO2 publishes.
type APIInfo struct {
	Name, Context, Version, Provider string
	// Endpoint is the backend WSO2 sends to (production and sandbox).
	Endpoint string
	// Policies are the subscription tiers offered. Default: the tiers of
	// the gateway configuration's consumers, or Unlimited.
	Policies []string
}

func (a APIInfo) check() error {
	if a.Name == "" || a.Version == "" || !strings.HasPrefix(a.Context, "/") || a.Endpoint == "" {
		return errors.New("wso2: an API needs a name, a version, a context starting with / and an endpoint")
	}
	return nil
}

// apictl's project format version.
const apictlVersion = "v4.7.0"

// Project returns the files of an apictl project for the API: api.yaml,
// Definitions/swagger.yaml (the REST API's OpenAPI document, as YAML) and
// deployment_environments.yaml, ready for `apictl import api`.
func Project(info APIInfo, cfg gateway.Config, openapi []byte) (map[string][]byte, error) {
	if err := info.check(); err != nil {
		return nil, err
	}
	if info.Provider == "" {
		info.Provider = "admin"
	}
	policies := info.Policies
	if len(policies) == 0 {
		seen := map[string]bool{}
		for _, c := range cfg.Consumers {
			if c.Tier != "" && !seen[c.Tier] {
				seen[c.Tier] = true
				policies = append(policies, c.Tier)
			}
		}
		sort.Strings(policies)
		if len(policies) == 0 {
			policies = []string{gateway.TierUnlimited}
		}
	}
	api := map[string]any{
		"type":    "api",
		"version": apictlVersion,
		"data": map[string]any{
			"name": info.Name, "context": info.Context, "version": info.Version, "provider": info.Provider,
			"lifeCycleStatus": "CREATED", "type": "HTTP", "transport": []string{"http", "https"},
			"policies": policies, "visibility": "PUBLIC", "endpointImplementationType": "ENDPOINT",
			"endpointConfig": map[string]any{
				"endpoint_type":        "http",
				"production_endpoints": map[string]string{"url": info.Endpoint},
				"sandbox_endpoints":    map[string]string{"url": info.Endpoint},
			},
		},
	}
	var definition any
	if err := yaml.Unmarshal(openapi, &definition); err != nil || definition == nil {
		return nil, fmt.Errorf("wso2: the OpenAPI document does not parse: %v", err)
	}
	envs := map[string]any{
		"type": "deployment_environments", "version": apictlVersion,
		"data": []map[string]any{{"displayOnDevportal": true, "deploymentEnvironment": "Default"}},
	}
	files := map[string][]byte{}
	for name, v := range map[string]any{"api.yaml": api, "Definitions/swagger.yaml": definition, "deployment_environments.yaml": envs} {
		data, err := yaml.Marshal(v)
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}

// WriteProject writes a project's files under dir (created).
func WriteProject(dir string, files map[string][]byte) error {
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
