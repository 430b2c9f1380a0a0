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
// An API accepts replicated changes only WithReplication.
const (
	ArticleVersionHeader   = "Article-Version"
	ArticleCreatedAtHeader = "Article-Created-At"
	ArticleUpdatedAtHeader = "Article-Updated-At"
)

// Problem types of replicated changes.
const (
	// TypeStaleVersion answers a replicated change older than the stored state.
	TypeStaleVersion = "urn:articlekit:problem:stale-version"
	// TypeReplicationDisabled answers a replicated change sent to an API
	// that does not accept them.
	TypeReplicationDisabled = "urn:articlekit:problem:replication-disabled"
)

// isReplication reports whether req carries a replicated change. The
// timestamp headers are checked either way: a malformed one is a bad
// request even where it would be ignored.
func isReplication(req bunrouter.Request) (bool, error) {
	for _, h := range []string{ArticleCreatedAtHeader, ArticleUpdatedAtHeader} {
		if len(req.Header.Values(h)) == 0 {
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, req.Header.Get(h)); err != nil {
			return false, problem(http.StatusBadRequest, TypeBadRequest, h+": must be an RFC 3339 time.")
		}
	}
	return len(req.Header.Values(ArticleVersionHeader)) > 0, nil
}

// replicate applies the replicated change req carries to article id:
// the draft in the body for a PUT, a deletion for a DELETE.
// If-Match and If-None-Match are ignored: the version guard is the
// replicated change's precondition.
func (a *API) replicate(w http.ResponseWriter, req bunrouter.Request, id int64, kind articles.ChangeType) error {
	if !a.replication {
		return problem(http.StatusForbidden, TypeReplicationDisabled,
			"This server does not accept replicated changes ("+ArticleVersionHeader+").")
	}
	art := articles.Article{ID: id}
	version, err := parsePositiveInt(req.Header.Get(ArticleVersionHeader))
	if err != nil {
		return problem(http.StatusBadRequest, TypeBadRequest, ArticleVersionHeader+": must be a positive integer.")
	}
	art.Version = version
	// The timestamps were checked by isReplication.
	art.CreatedAt, _ = time.Parse(time.RFC3339Nano, req.Header.Get(ArticleCreatedAtHeader))
	art.UpdatedAt, _ = time.Parse(time.RFC3339Nano, req.Header.Get(ArticleUpdatedAtHeader))
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
