// The article list's state in the hash query (#/?page=2&author=x&tag=y&q=z),
// so that links and reloads keep it.

/** @typedef {{page: number, author: string, tag: string, q: string}} ListParams */

/**
 * Reads the list's state from a query string; anything missing or unreadable
 * takes its default (page 1, no filters).
 * @param {string} search without the leading "?"
 * @returns {ListParams}
 */
export function parseListParams(search) {
  const p = new URLSearchParams(search);
  const page = Number.parseInt(p.get('page') ?? '1', 10);
  return {
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    author: p.get('author') ?? '',
    tag: p.get('tag') ?? '',
    q: p.get('q') ?? '',
  };
}

/**
 * The hash path of the list in this state, defaults left out.
 * @param {ListParams} params
 * @returns {string} e.g. "/?page=2&tag=go"
 */
export function listPath({ page, author, tag, q }) {
  const p = new URLSearchParams();
  if (page > 1) p.set('page', String(page));
  if (author) p.set('author', author);
  if (tag) p.set('tag', tag);
  if (q) p.set('q', q);
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

/** The longest filter values the API takes, as the inputs' maxlength. */
export const FILTER_MAX = { q: 200, author: 100, tag: 32 };

/**
 * What an empty list says, and where it offers to go: a page past the last
 * leads back to the first, filters that match nothing can be cleared.
 * @param {ListParams} params
 * @returns {{message: string, firstPage: string|null, clearFilters: string|null}} the links' hash paths, or null
 */
export function emptyList(params) {
  const filtered = Boolean(params.author || params.tag || params.q);
  const clearFilters = filtered ? listPath({ page: 1, author: '', tag: '', q: '' }) : null;
  if (params.page > 1) {
    return { message: `There are no articles on page ${params.page}.`, firstPage: listPath({ ...params, page: 1 }), clearFilters };
  }
  if (filtered) return { message: 'No articles match these filters.', firstPage: null, clearFilters };
  return { message: 'No articles yet.', firstPage: null, clearFilters: null };
}
