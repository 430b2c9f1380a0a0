package restapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/uptrace/bunrouter"

	"github.com/articlekit/articlekit/articles"
)

// Replication headers. A PUT or DELETE carrying ArticleVersionHeader is a
// replicated change: it is applied only if that version is newer than the
// stored one (tombstones included), and answered 409 with the stale-version
// problem otherwise, changing nothing. The timestamps keep the source's.
const (
	ArticleVersionHeader   = "Article-Version"
	ArticleCreatedAtHeader = "Article-Created-At"
	ArticleUpdatedAtHeader = "Article-Updated-At"
)

// TypeStaleVersion answers a replicated change older than the stored state.
const TypeStaleVersion = "urn:articlekit:problem:stale-version"

// isReplication reports whether req carries a replicated change.
func isReplication(req bunrouter.Request) bool {
	return len(req.Header.Values(ArticleVersionHeader)) > 0
}

// replicate applies the replicated change req carries to article id:
// the draft in the body for a PUT, a deletion for a DELETE.
func (a *API) replicate(w http.ResponseWriter, req bunrouter.Request, id int64, kind articles.ChangeType) error {
	if req.Header.Get("If-Match") != "" || len(req.Header.Values("If-None-Match")) > 0 {
		return problem(http.StatusBadRequest, TypeBadRequest,
			"A replicated change ("+ArticleVersionHeader+") takes no If-Match or If-None-Match.")
	}
	art := articles.Article{ID: id}
	version, err := parsePositiveInt(req.Header.Get(ArticleVersionHeader))
	if err != nil {
		return problem(http.StatusBadRequest, TypeBadRequest, ArticleVersionHeader+": must be a positive integer.")
	}
	art.Version = version
	for _, h := range []struct {
		name string
		dst  *time.Time
	}{{ArticleCreatedAtHeader, &art.CreatedAt}, {ArticleUpdatedAtHeader, &art.UpdatedAt}} {
		if v := req.Header.Get(h.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return problem(http.StatusBadRequest, TypeBadRequest, h.name+": must be an RFC 3339 time.")
			}
			*h.dst = t
		}
	}
	if kind != articles.Deleted {
		d, err := a.decodeDraft(w, req.Request)
		if err != nil {
			return err
		}
		art.Title, art.Content, art.Author, art.Tags = d.Title, d.Content, d.Author, d.Tags
		if version == 1 {
			kind = articles.Created
		}
	}
	result, err := a.svc.Apply(req.Context(), articles.Change{Type: kind, Article: art})
	if err != nil {
		return err
	}
	if result == articles.Stale {
		return problem(http.StatusConflict, TypeStaleVersion,
			"The article already has version "+strconv.FormatInt(version, 10)+" or a newer one; nothing changed.")
	}
	w.Header().Set("ETag", etag(version))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
