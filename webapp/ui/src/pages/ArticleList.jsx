// The article list: a page of articles with filters, search and paging in
// the hash query, kept current by the articleChanged subscription.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useSearch } from 'wouter-preact';
import { useApp } from '../context.js';
import { PAGE_SIZE, listArticles, watchArticles } from '../articles.js';
import { listFieldErrors, retryDelaySeconds } from '../errors.js';
import { applyChange, applyChanges, newArticlesNote, pageState } from '../live-merge.js';
import { FILTER_MAX, emptyList, listPath, parseListParams } from '../list-params.js';
import { navigate } from '../router.js';
import { usePageHeading, useQuery, useTitle } from '../hooks.js';
import { Time } from '../components/Time.jsx';
import { LiveState } from '../components/LiveState.jsx';

const DEBOUNCE_MS = 300;

/** The article list page (#/), its state in the hash query. */
export function ArticleList() {
  const { api, report, clear } = useApp();
  const params = parseListParams(useSearch());
  const { page, author, tag, q } = params;
  useTitle(page > 1 ? `Articles, page ${page}` : 'Articles');
  const heading = usePageHeading();

  // Changes that arrive while a page loads wait here, then apply to it:
  // the response may predate them, and versions make applying twice harmless.
  const buffer = useRef(/** @type {import('../articles.js').ArticleChange[]|null} */ ([]));
  const filters = useRef({ author, tag, q });
  filters.current = { author, tag, q };

  // Invalid filters are shown under their inputs, not in the notice.
  const { data, problem } = useQuery(
    (signal) => {
      buffer.current = [];
      return listArticles(api, { author, tag, q }, page, { signal });
    },
    [page, author, tag, q],
    { inline: ['not_found', 'invalid'] },
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
        (p) => report(p, 'live-list'),
      ),
    [],
  );

  // Typing in the filters keeps the focus in them.
  const go = (next, replace = false) => navigate(listPath({ ...params, ...next }), { replace, keepFocus: true });

  // After a failed load the rows shown would be another query's: none are.
  const shown = problem ? null : list;
  const rows = shown?.rows ?? [];
  const errors = listFieldErrors(problem);

  return (
    <section aria-labelledby="list-heading">
      <div class="page-heading">
        <h1 id="list-heading" ref={heading}>Articles</h1>
        <LiveState />
      </div>
      <Filters params={params} go={go} errors={errors} />
      <NewArticles articles={shown?.newArticles ?? []} />
      <div aria-busy={!list && !problem ? 'true' : 'false'}>
        {problem ? <LoadFailed problem={problem} errors={errors} /> : shown && rows.length === 0 && <EmptyList params={params} />}
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
          {shown?.hasNext && (
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
 * Links to the matching articles created since the page loaded: they belong
 * on the last page, whose number the API does not tell. In a place of its
 * own, so that they arriving moves nothing.
 * @param {{articles: import('../articles.js').Article[]}} props
 */
function NewArticles({ articles }) {
  const { shown, more } = newArticlesNote(articles);
  return (
    <div class="new-note" aria-live="polite">
      {shown.length > 0 && (
        <p id="new-articles">
          New:{' '}
          {shown.map((a, i) => (
            <Fragment key={a.id}>
              {i > 0 && ' · '}
              <Link href={`/articles/${a.id}`} title={a.title}>
                {a.title}
              </Link>
            </Fragment>
          ))}
          {more > 0 && ` · and ${more} more`}
        </p>
      )}
    </div>
  );
}

/** Why no rows are shown: the query failed. */
function LoadFailed({ problem, errors }) {
  if (problem.kind === 'invalid') {
    const words = Object.keys(errors).some((k) => k !== 'page')
      ? 'No articles are shown: some filters are not valid; see the messages under them.'
      : problem.message;
    return (
      <div class="empty-list">
        <p>{words}</p>
        {errors.page && <p class="field-error">{errors.page}</p>}
      </div>
    );
  }
  const again = retryDelaySeconds(problem) != null ? ' It will be tried again by itself.' : '';
  return <p class="empty-list">The articles could not be loaded.{again}</p>;
}

/** An empty page: where to go instead. */
function EmptyList({ params }) {
  const { message, firstPage, clearFilters } = emptyList(params);
  return (
    <p class="empty-list">
      {message}
      {firstPage && (
        <>
          {' '}
          <Link href={firstPage}>Go to the first page</Link>.
        </>
      )}
      {clearFilters && (
        <>
          {' '}
          <Link href={clearFilters}>Clear filters</Link>.
        </>
      )}
    </p>
  );
}

/**
 * The search box and the author and tag filters. Typing applies them after
 * a pause; Enter applies them at once. A refused filter's reason shows
 * under it until its value changes.
 */
function Filters({ params, go, errors }) {
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
  /** The error of the query shown, while the input still holds its value. */
  const errorOf = (name, apiName) => (draft[name] === params[name] ? errors[apiName] : undefined);

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
        <FilterInput
          class="filter-search"
          id="search"
          hintId="search-hint"
          type="search"
          label="Search"
          hint="Title, content or author, any case."
          value={draft.q}
          maxLength={FILTER_MAX.q}
          error={errorOf('q', 'search')}
          onInput={change('q')}
        />
        <FilterInput
          id="filter-author"
          hintId="author-hint"
          label="Author"
          hint="Exactly this author."
          value={draft.author}
          maxLength={FILTER_MAX.author}
          error={errorOf('author', 'author')}
          onInput={change('author')}
        />
        <FilterInput
          id="filter-tag"
          hintId="tag-hint"
          label="Tag"
          hint="Exactly this tag."
          value={draft.tag}
          maxLength={FILTER_MAX.tag}
          error={errorOf('tag', 'tag')}
          onInput={change('tag')}
        />
        <div class="filter-submit">
          <button type="submit">Search</button>
        </div>
      </form>
    </search>
  );
}

/** A filter's input with its reason for being refused, then its hint. */
function FilterInput({ id, hintId, label, hint, error, type = 'text', class: cls, ...input }) {
  return (
    <div class={cls}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type={type}
        autocomplete="off"
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${id}-error ${hintId}`}
        {...input}
      />
      <small id={`${id}-error`} class="field-error">{error ?? ''}</small>
      <small id={hintId}>{hint}</small>
    </div>
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
