// The article list: a page of articles with filters, search and paging in
// the hash query, kept current by the articleChanged subscription.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useSearch } from 'wouter-preact';
import { useApp } from '../context.js';
import { PAGE_SIZE, listArticles, watchArticles } from '../articles.js';
import { applyChange, applyChanges, pageState } from '../live-merge.js';
import { listPath, parseListParams } from '../list-params.js';
import { navigate } from '../router.js';
import { useQuery, useTitle } from '../hooks.js';
import { Time } from '../components/Time.jsx';
import { LiveState } from '../components/LiveState.jsx';

const DEBOUNCE_MS = 300;

/** The article list page (#/), its state in the hash query. */
export function ArticleList() {
  const { api, report, clear } = useApp();
  const params = parseListParams(useSearch());
  const { page, author, tag, q } = params;
  useTitle(page > 1 ? `Articles, page ${page}` : 'Articles');

  // Changes that arrive while a page loads wait here, then apply to it:
  // the response may predate them, and versions make applying twice harmless.
  const buffer = useRef(/** @type {import('../articles.js').ArticleChange[]|null} */ ([]));
  const filters = useRef({ author, tag, q });
  filters.current = { author, tag, q };

  const { data, loading, reload } = useQuery(
    (signal) => {
      buffer.current = [];
      return listArticles(api, { author, tag, q }, page, { signal });
    },
    [page, author, tag, q],
  );

  const [list, setList] = useState(/** @type {import('../live-merge.js').ListState|null} */ (null));
  useEffect(() => {
    if (!data) return;
    setList(applyChanges(pageState(data.articles, data.hasNext, PAGE_SIZE), buffer.current ?? [], filters.current));
    buffer.current = null;
  }, [data]);

  useEffect(
    () =>
      watchArticles(
        api,
        null,
        (change) => {
          clear('live-list');
          if (buffer.current) buffer.current.push(change);
          else setList((s) => s && applyChange(s, change, filters.current));
        },
        (problem) => report(problem, 'live-list'),
      ),
    [],
  );

  const go = (next, replace = false) => navigate(listPath({ ...params, ...next }), { replace });

  const showNew = () => {
    // New articles have the highest ids, so they come after a full last page.
    if (list && !list.hasNext && list.rows.length >= PAGE_SIZE) go({ page: page + 1 });
    else reload();
  };

  const rows = list?.rows ?? [];
  const newCount = list?.newIds.length ?? 0;
  const filtered = Boolean(author || tag || q);

  return (
    <section aria-labelledby="list-heading">
      <div class="page-heading">
        <h1 id="list-heading">Articles</h1>
        <LiveState />
      </div>
      <Filters params={params} go={go} />
      <div class="new-note" aria-live="polite">
        {newCount > 0 && (
          <p id="new-articles">
            {newCount === 1 ? '1 new article' : `${newCount} new articles`} —{' '}
            <button type="button" class="link-button" onClick={showNew}>
              show
            </button>
          </p>
        )}
      </div>
      <div aria-busy={loading && !list ? 'true' : 'false'}>
        {list && rows.length === 0 && (
          <p class="empty-list">{filtered ? 'No articles match these filters.' : page > 1 ? 'This page is empty.' : 'No articles yet.'}</p>
        )}
        <ul id="articles" class="article-list" aria-label={`Articles, page ${page}`}>
          {rows.map((row) => (
            <ArticleRow key={row.article.id} row={row} />
          ))}
        </ul>
      </div>
      <nav class="pager" aria-label="Pages">
        <span>
          {page > 1 && (
            <Link id="page-prev" href={listPath({ ...params, page: page - 1 })} rel="prev">
              ← Previous
            </Link>
          )}
        </span>
        <span class="pager-page">Page {page}</span>
        <span>
          {list?.hasNext && (
            <Link id="page-next" href={listPath({ ...params, page: page + 1 })} rel="next">
              Next →
            </Link>
          )}
        </span>
      </nav>
    </section>
  );
}

/**
 * The search box and the author and tag filters. Typing applies them after
 * a pause; Enter applies them at once.
 */
function Filters({ params, go }) {
  const [draft, setDraft] = useState({ q: params.q, author: params.author, tag: params.tag });
  // Follow the hash when it changes from elsewhere (back button, a link).
  useEffect(() => setDraft({ q: params.q, author: params.author, tag: params.tag }), [params.q, params.author, params.tag]);

  const timer = useRef(/** @type {ReturnType<typeof setTimeout>|undefined} */ (undefined));
  useEffect(() => () => clearTimeout(timer.current), []);

  const apply = (next, replace) => {
    clearTimeout(timer.current);
    const f = { q: next.q.trim(), author: next.author.trim(), tag: next.tag.trim() };
    if (f.q === params.q && f.author === params.author && f.tag === params.tag) return;
    go({ ...f, page: 1 }, replace);
  };
  const change = (name) => (e) => {
    const next = { ...draft, [name]: e.currentTarget.value };
    setDraft(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => apply(next, true), DEBOUNCE_MS);
  };

  return (
    <search>
      <form
        class="filters"
        aria-label="Search and filter the articles"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft, false);
        }}
      >
        <div class="filter-search">
          <label for="search">Search</label>
          <input id="search" type="search" value={draft.q} onInput={change('q')} aria-describedby="search-hint" autocomplete="off" />
          <small id="search-hint">Title, content or author, any case.</small>
        </div>
        <div>
          <label for="filter-author">Author</label>
          <input id="filter-author" type="text" value={draft.author} onInput={change('author')} aria-describedby="author-hint" autocomplete="off" />
          <small id="author-hint">Exactly this author.</small>
        </div>
        <div>
          <label for="filter-tag">Tag</label>
          <input id="filter-tag" type="text" value={draft.tag} onInput={change('tag')} aria-describedby="tag-hint" autocomplete="off" />
          <small id="tag-hint">Exactly this tag.</small>
        </div>
        <div class="filter-submit">
          <button type="submit">Search</button>
        </div>
      </form>
    </search>
  );
}

/** One article of the list; a deleted one stays in place, struck through. */
function ArticleRow({ row }) {
  const { article, deleted } = row;
  return (
    <li
      data-article-id={article.id}
      data-version={article.version}
      data-deleted={deleted ? 'true' : undefined}
      class={deleted ? 'article-row deleted' : 'article-row'}
    >
      <Link href={`/articles/${article.id}`} class="article-title">
        {deleted ? <s>{article.title}</s> : article.title}
      </Link>
      <span class="article-meta">
        <span class="who">
          <span>{article.author ? `by ${article.author}` : 'no author'}</span>
          {article.tags.length > 0 && (
            <span class="tags" aria-label="Tags">
              {article.tags.map((t) => (
                <span class="tag" key={t}>
                  {t}
                </span>
              ))}
            </span>
          )}
        </span>
        <span class="row-end">
          <span class="row-state">
            {deleted ? (
              <strong class="deleted-label">deleted</strong>
            ) : (
              <>
                updated <Time value={article.updatedAt} />
              </>
            )}
          </span>
          <span class="version">v{article.version}</span>
        </span>
      </span>
    </li>
  );
}
