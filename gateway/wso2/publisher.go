package wso2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Publisher publishes the Articles API in a WSO2 API Manager through its
// Publisher REST API v4, as an admin (Username, Password). Publish is
// idempotent: run twice, it updates the API it created, deploys a new
// revision and leaves it published.
type Publisher struct {
	// BaseURL is API Manager's HTTPS address, e.g. https://127.0.0.1:9443.
	BaseURL            string
	Username, Password string
	// Environment is the gateway environment deployed to. Default: Default.
	Environment string
	// VHost is the gateway's virtual host. Default: localhost.
	VHost string
	// HTTP sends the requests (API Manager's default certificate is
	// self-signed: trust it or configure its own). Default: a 30s timeout.
	HTTP *http.Client

	token string
}

// Result is what Publish did.
type Result struct {
	APIID, RevisionID string
	Created           bool // the API was new
	Published         bool // this run published it (it was not yet)
}

// maxRevisions is how many revisions API Manager keeps per API; the oldest
// undeployed one makes room for a new one.
const maxRevisions = 5

// APIError is an answer from API Manager that is not a success.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wso2: %s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Publish creates or updates the API with the OpenAPI document, creates a
// revision, deploys it and publishes the API.
func (p *Publisher) Publish(ctx context.Context, info APIInfo, openapi []byte) (Result, error) {
	if err := info.check(); err != nil {
		return Result{}, err
	}
	if err := p.login(ctx); err != nil {
		return Result{}, err
	}
	var res Result
	id, status, err := p.find(ctx, info)
	if err != nil {
		return res, err
	}
	body := apiBody(info)
	if id == "" {
		var created struct {
			ID              string `json:"id"`
			LifeCycleStatus string `json:"lifeCycleStatus"`
		}
		if err := p.call(ctx, http.MethodPost, "/apis", nil, body, &created); err != nil {
			return res, err
		}
		id, status, res.Created = created.ID, created.LifeCycleStatus, true
	} else {
		if err := p.call(ctx, http.MethodPut, "/apis/"+url.PathEscape(id), nil, body, nil); err != nil {
			return res, err
		}
	}
	res.APIID = id
	if err := p.putDefinition(ctx, id, openapi); err != nil {
		return res, err
	}
	if err := p.makeRoom(ctx, id); err != nil {
		return res, err
	}
	var rev struct {
		ID string `json:"id"`
	}
	if err := p.call(ctx, http.MethodPost, "/apis/"+url.PathEscape(id)+"/revisions", nil,
		map[string]string{"description": "ArticleKit " + time.Now().UTC().Format(time.RFC3339)}, &rev); err != nil {
		return res, err
	}
	res.RevisionID = rev.ID
	deploy := []map[string]any{{"name": cmpOr(p.Environment, "Default"), "vhost": cmpOr(p.VHost, "localhost"), "displayOnDevportal": true}}
	if err := p.call(ctx, http.MethodPost, "/apis/"+url.PathEscape(id)+"/deploy-revision",
		url.Values{"revisionId": {rev.ID}}, deploy, nil); err != nil {
		return res, err
	}
	if !strings.EqualFold(status, "PUBLISHED") {
		if err := p.call(ctx, http.MethodPost, "/apis/change-lifecycle",
			url.Values{"apiId": {id}, "action": {"Publish"}}, nil, nil); err != nil {
			return res, err
		}
		res.Published = true
	}
	return res, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func apiBody(info APIInfo) map[string]any {
	policies := info.Policies
	if len(policies) == 0 {
		policies = []string{"Unlimited"}
	}
	return map[string]any{
		"name": info.Name, "context": info.Context, "version": info.Version, "provider": cmpOr(info.Provider, "admin"),
		"type": "HTTP", "transport": []string{"http", "https"}, "policies": policies, "visibility": "PUBLIC",
		"endpointConfig": map[string]any{
			"endpoint_type":        "http",
			"production_endpoints": map[string]string{"url": info.Endpoint},
			"sandbox_endpoints":    map[string]string{"url": info.Endpoint},
		},
	}
}

// find returns the id and lifecycle status of the API of info's name and
// version, or "" when there is none.
func (p *Publisher) find(ctx context.Context, info APIInfo) (id, status string, err error) {
	var list struct {
		List []struct {
			ID, Name, Version, LifeCycleStatus string
		} `json:"list"`
	}
	if err := p.call(ctx, http.MethodGet, "/apis", url.Values{"query": {"name:" + info.Name}}, nil, &list); err != nil {
		return "", "", err
	}
	for _, a := range list.List {
		if a.Name == info.Name && a.Version == info.Version {
			return a.ID, a.LifeCycleStatus, nil
		}
	}
	return "", "", nil
}

// putDefinition sets the API's OpenAPI document.
func (p *Publisher) putDefinition(ctx context.Context, id string, openapi []byte) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("apiDefinition", string(openapi)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return p.send(ctx, http.MethodPut, "/apis/"+url.PathEscape(id)+"/swagger", nil, &body, w.FormDataContentType(), nil)
}

// makeRoom deletes the oldest undeployed revision when the API has as many
// as API Manager keeps.
func (p *Publisher) makeRoom(ctx context.Context, id string) error {
	var revs struct {
		List []struct {
			ID          string `json:"id"`
			CreatedTime int64  `json:"createdTime"`
			Deployments []any  `json:"deploymentInfo"`
		} `json:"list"`
	}
	if err := p.call(ctx, http.MethodGet, "/apis/"+url.PathEscape(id)+"/revisions", nil, nil, &revs); err != nil {
		return err
	}
	if len(revs.List) < maxRevisions {
		return nil
	}
	sort.Slice(revs.List, func(i, j int) bool { return revs.List[i].CreatedTime < revs.List[j].CreatedTime })
	for _, r := range revs.List {
		if len(r.Deployments) == 0 {
			return p.call(ctx, http.MethodDelete, "/apis/"+url.PathEscape(id)+"/revisions/"+url.PathEscape(r.ID), nil, nil, nil)
		}
	}
	return errors.New("wso2: the API has its maximum of revisions, all deployed: undeploy one")
}

// login registers a client (dynamic client registration) and gets a token
// with the Publisher scopes.
func (p *Publisher) login(ctx context.Context) error {
	reg, _ := json.Marshal(map[string]any{"callbackUrl": "https://localhost", "clientName": "articlekit-publisher",
		"owner": p.Username, "grantType": "client_credentials password refresh_token", "saasApp": true})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.BaseURL, "/")+"/client-registration/v0.17/register", bytes.NewReader(reg))
	if err != nil {
		return err
	}
	req.SetBasicAuth(p.Username, p.Password)
	req.Header.Set("Content-Type", "application/json")
	var client struct {
		ID     string `json:"clientId"`
		Secret string `json:"clientSecret"`
	}
	if err := p.do(req, &client); err != nil {
		return err
	}
	form := url.Values{"grant_type": {"password"}, "username": {p.Username}, "password": {p.Password},
		"scope": {"apim:api_view apim:api_create apim:api_publish apim:api_manage"}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.BaseURL, "/")+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.SetBasicAuth(client.ID, client.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := p.do(req, &token); err != nil {
		return err
	}
	if token.AccessToken == "" {
		return errors.New("wso2: the token endpoint gave no access token")
	}
	p.token = token.AccessToken
	return nil
}

// call sends a JSON request to the Publisher API.
func (p *Publisher) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	contentType := ""
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, contentType = bytes.NewReader(data), "application/json"
	}
	return p.send(ctx, method, path, query, body, contentType, out)
}

func (p *Publisher) send(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string, out any) error {
	target := strings.TrimSuffix(p.BaseURL, "/") + "/api/am/publisher/v4" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return p.do(req, out)
}

func (p *Publisher) do(req *http.Request, out any) error {
	client := p.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("wso2: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Body: string(bytes.TrimSpace(data[:min(len(data), 512)]))}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("wso2: %s %s: decode: %w", req.Method, req.URL.Path, err)
		}
	}
	return nil
}
