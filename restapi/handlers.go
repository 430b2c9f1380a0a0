package restapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/uptrace/bunrouter"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
)

func (a *API) get(w http.ResponseWriter, req bunrouter.Request) error {
	id, err := a.articleID(w, req)
	if err != nil {
		return err
	}
	art, err := a.svc.Get(req.Context(), id)
	if err != nil {
		return err
	}
	match, err := noneMatch(req.Request, art.Version)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(art.Version))
	if match {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeJSON(w, http.StatusOK, art)
}

func (a *API) list(w http.ResponseWriter, req bunrouter.Request) error {
	q, usingOffset, err := parseListQuery(req.URL.RawQuery)
	if err != nil {
		return err
	}
	page, err := a.svc.List(req.Context(), q)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("X-Total-Count", strconv.FormatInt(page.Total, 10))
	if page.More {
		h.Set("Link", `<`+nextPageURL(req.URL, q, page, usingOffset)+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, page.Articles)
}

func (a *API) create(w http.ResponseWriter, req bunrouter.Request) error {
	d, err := a.decodeDraft(w, req.Request)
	if err != nil {
		return err
	}
	key, once, err := idempotencyKey(req.Request)
	if err != nil {
		return err
	}
	var art articles.Article
	if once {
		var replayed bool
		if art, replayed, err = a.svc.CreateOnce(req.Context(), key, d); replayed {
			w.Header().Set(IdempotentReplayedHeader, "true")
		}
	} else {
		art, err = a.svc.Create(req.Context(), d)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/articles/"+strconv.FormatInt(art.ID, 10))
	w.Header().Set("ETag", etag(art.Version))
	return writeJSON(w, http.StatusCreated, art)
}

func (a *API) put(w http.ResponseWriter, req bunrouter.Request) error {
	id, err := a.articleID(w, req)
	if err != nil {
		return err
	}
	if replication, err := isReplication(req); err != nil || replication {
		if err != nil {
			return err
		}
		return a.replicate(w, req, id, articles.Updated)
	}
	pre, isConditional, err := precondition(req.Request)
	if err != nil {
		return err
	}
	d, err := a.decodeDraft(w, req.Request)
	if err != nil {
		return err
	}
	art, created, err := a.svc.Put(req.Context(), id, d, pre)
	if err != nil {
		return conditional(err, isConditional)
	}
	w.Header().Set("ETag", etag(art.Version))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/articles/"+strconv.FormatInt(art.ID, 10))
	}
	return writeJSON(w, status, art)
}

func (a *API) delete(w http.ResponseWriter, req bunrouter.Request) error {
	id, err := a.articleID(w, req)
	if err != nil {
		return err
	}
	if replication, err := isReplication(req); err != nil || replication {
		if err != nil {
			return err
		}
		return a.replicate(w, req, id, articles.Deleted)
	}
	pre, isConditional, err := precondition(req.Request)
	if err != nil {
		return err
	}
	if pre.MustNotExist {
		// If-None-Match: * on a delete can only hold when there is nothing to delete.
		if _, err := a.svc.Get(req.Context(), id); err != nil {
			return err
		}
		return conditional(articles.ErrConflict, true)
	}
	if err := a.svc.Delete(req.Context(), id, pre.Version); err != nil {
		return conditional(err, isConditional)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// validation is the body of a successful POST /articles/validate.
type validation struct {
	Valid bool `json:"valid"`
}

func (a *API) validate(w http.ResponseWriter, req bunrouter.Request) error {
	d, err := a.decodeDraft(w, req.Request)
	if err != nil {
		return err
	}
	if err := a.svc.Validate(d); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, validation{Valid: true})
}

type status struct {
	Status string `json:"status"`
}

func (a *API) health(w http.ResponseWriter, _ bunrouter.Request) error {
	return writeJSON(w, http.StatusOK, status{Status: "ok"})
}

// readyTimeout bounds the readiness check's database ping.
const readyTimeout = 2 * time.Second

func (a *API) ready(w http.ResponseWriter, req bunrouter.Request) error {
	select {
	case <-httpserver.Draining(req.Context()):
		// Load balancers move on while the server finishes its requests.
		return problem(http.StatusServiceUnavailable, TypeUnavailable, "The server is shutting down.")
	default:
	}
	ctx, cancel := context.WithTimeout(req.Context(), readyTimeout)
	defer cancel()
	if err := a.svc.Ping(ctx); err != nil {
		a.log.Warn("not ready: database unreachable", zap.Error(err))
		return problem(http.StatusServiceUnavailable, TypeUnavailable, "The database is unreachable.")
	}
	return writeJSON(w, http.StatusOK, status{Status: "ready"})
}

func writeJSON(w http.ResponseWriter, code int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	// A failed write means the client went away: there is no one to tell.
	_, _ = w.Write(body)
	return nil
}
