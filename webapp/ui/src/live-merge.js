// Merging live changes into the shown page of the article list, without
// reloading it: pure functions over the page's state, so the rules
// (versions decide, deletions stay in place, creations beyond the page are
// kept aside, to be linked to) are tested apart from the page.

/** @typedef {import('./articles.js').Article} Article */
/** @typedef {import('./articles.js').ArticleChange} ArticleChange */
/** @typedef {import('./articles.js').Filters} Filters */

/**
 * A row of the shown page: an article, marked when it was deleted live (it
 * stays in place, struck through, so nothing below it moves).
 * @typedef {{article: Article, deleted: boolean}} Row
 */

/**
 * The shown page.
 * @typedef {object} ListState
 * @property {Row[]} rows in ascending id order, as the API lists them
 * @property {boolean} hasNext whether a later page exists
 * @property {number} pageSize
 * @property {Article[]} newArticles created live, matching but not on this page (they
 *   belong on the last page, whose number is unknown), oldest first
 */

/**
 * The state of a page as loaded.
 * @param {Article[]} articles
 * @param {boolean} hasNext
 * @param {number} pageSize
 * @returns {ListState}
 */
export function pageState(articles, hasNext, pageSize) {
  return { rows: articles.map((article) => ({ article, deleted: false })), hasNext, pageSize, newArticles: [] };
}

/**
 * Whether an article belongs in a list with these filters, as the API
 * decides: author and tag exact, search a case-insensitive substring of the
 * title, content or author.
 * @param {Article} article
 * @param {Partial<Filters>} filters
 * @returns {boolean}
 */
export function matches(article, filters) {
  if (filters.author && article.author !== filters.author) return false;
  if (filters.tag && !(article.tags ?? []).includes(filters.tag)) return false;
  if (filters.q) {
    const needle = filters.q.toLowerCase();
    const inText = [article.title, article.content, article.author].some((s) => (s ?? '').toLowerCase().includes(needle));
    if (!inText) return false;
  }
  return true;
}

/** Orders ids as the API does: numerically when both are numbers. */
function compareIds(a, b) {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The page after one live change. Returns `state` itself when the change
 * does not affect it (a stale or repeated event, another page's article).
 * - UPDATED: replaces the row in place when its version is newer; removes it
 *   when the article no longer matches the filters.
 * - DELETED: marks the row deleted in place.
 * - CREATED: a matching article is appended when this is the last page and
 *   it has room, else kept in newArticles (and kept current there).
 * @param {ListState} state
 * @param {ArticleChange} change
 * @param {Partial<Filters>} filters
 * @returns {ListState}
 */
export function applyChange(state, change, filters) {
  const index = state.rows.findIndex((r) => r.article.id === change.id);
  const row = index >= 0 ? state.rows[index] : null;
  // Versions grow with every change, so an event at or below the shown
  // version is one already seen (a duplicate) or overtaken (stale).
  if (row && change.version <= row.article.version) return state;

  const kept = state.newArticles.findIndex((a) => a.id === change.id);
  const newWithout = () => ({ ...state, newArticles: state.newArticles.filter((_, i) => i !== kept) });

  if (change.type === 'DELETED' || !change.article) {
    if (row) {
      const rows = state.rows.slice();
      rows[index] = { article: { ...row.article, version: change.version }, deleted: true };
      return { ...state, rows };
    }
    return kept >= 0 ? newWithout() : state;
  }

  const article = change.article;
  const fits = matches(article, filters);

  if (row) {
    const rows = state.rows.slice();
    if (fits) rows[index] = { article, deleted: false };
    else rows.splice(index, 1);
    return { ...state, rows };
  }

  if (kept >= 0) {
    // A new article changed again: kept current, or dropped once it leaves the filters.
    if (!fits) return newWithout();
    if (change.version <= state.newArticles[kept].version) return state;
    const newArticles = state.newArticles.slice();
    newArticles[kept] = article;
    return { ...state, newArticles };
  }

  // Another page's article, or one created before this page was loaded.
  if (change.type === 'UPDATED' || !fits) return state;

  // CREATED
  if (!state.hasNext && state.rows.length < state.pageSize) {
    const rows = [...state.rows, { article, deleted: false }].sort((a, b) => compareIds(a.article.id, b.article.id));
    return { ...state, rows };
  }
  return { ...state, newArticles: [...state.newArticles, article] };
}

/**
 * Applies changes in order.
 * @param {ListState} state
 * @param {ArticleChange[]} changes
 * @param {Partial<Filters>} filters
 * @returns {ListState}
 */
export function applyChanges(state, changes, filters) {
  return changes.reduce((s, c) => applyChange(s, c, filters), state);
}

/**
 * What the "new articles" note links to: the first few, and how many more.
 * @param {Article[]} articles
 * @param {number} [max]
 * @returns {{shown: Article[], more: number}}
 */
export function newArticlesNote(articles, max = 3) {
  return { shown: articles.slice(0, max), more: Math.max(0, articles.length - max) };
}
