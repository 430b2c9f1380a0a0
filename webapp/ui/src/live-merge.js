// Merging live changes into the shown page of the article list, without
// reloading it: pure functions over the page's state, so the rules
// (versions decide, deletions stay in place, creations beyond the page are
// counted) are tested apart from the page.

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
 * @property {string[]} newIds ids created live that match but are not shown
 */

/**
 * The state of a page as loaded.
 * @param {Article[]} articles
 * @param {boolean} hasNext
 * @param {number} pageSize
 * @returns {ListState}
 */
export function pageState(articles, hasNext, pageSize) {
  return { rows: articles.map((article) => ({ article, deleted: false })), hasNext, pageSize, newIds: [] };
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
 *   it has room, else counted in newIds.
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

  const withoutNew = (ids) => (ids.includes(change.id) ? ids.filter((id) => id !== change.id) : ids);

  if (change.type === 'DELETED' || !change.article) {
    if (row) {
      const rows = state.rows.slice();
      rows[index] = { article: { ...row.article, version: change.version }, deleted: true };
      return { ...state, rows };
    }
    const newIds = withoutNew(state.newIds);
    return newIds === state.newIds ? state : { ...state, newIds };
  }

  const article = change.article;
  const fits = matches(article, filters);

  if (row) {
    const rows = state.rows.slice();
    if (fits) rows[index] = { article, deleted: false };
    else rows.splice(index, 1);
    return { ...state, rows };
  }

  if (change.type === 'UPDATED') {
    // Not on this page: if it was counted as new and left the filters, uncount it.
    if (fits) return state;
    const newIds = withoutNew(state.newIds);
    return newIds === state.newIds ? state : { ...state, newIds };
  }

  // CREATED
  if (!fits || state.newIds.includes(change.id)) return state;
  if (!state.hasNext && state.rows.length < state.pageSize) {
    const rows = [...state.rows, { article, deleted: false }].sort((a, b) => compareIds(a.article.id, b.article.id));
    return { ...state, rows };
  }
  return { ...state, newIds: [...state.newIds, change.id] };
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
