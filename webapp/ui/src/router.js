// Hash routing: the path and the query both live in the hash
// (#/articles/12, #/?page=2), since the real paths belong to the REST API
// behind the same gateway. wouter's hash hook keeps the query in the
// location it reports, so it is split off here; navigation writes the whole
// hash, query included.
import { useHashLocation } from 'wouter-preact/use-hash-location';

// The hash location last reached by a navigation that keeps the focus.
let focusKeptAt = '';

/**
 * Goes to a hash path such as "/articles/12" or "/?page=2".
 * @param {string} to
 * @param {{replace?: boolean, keepFocus?: boolean}} [options] keepFocus: the
 *   focus stays where it is (typing in a filter), not on the page's heading
 */
export function navigate(to, { replace = false, keepFocus = false } = {}) {
  const oldURL = location.href;
  const url = new URL(oldURL);
  url.hash = to.startsWith('/') ? to : `/${to}`;
  if (url.href === oldURL) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url.href);
  focusKeptAt = keepFocus ? hashLocation(url.hash) : '';
  dispatchEvent(new HashChangeEvent('hashchange', { oldURL, newURL: url.href }));
}

/**
 * The location wouter's hash hook reports for a hash: "#/?page=2" is "/?page=2".
 * @param {string} hash
 * @returns {string}
 */
export function hashLocation(hash) {
  return `/${hash.replace(/^#?\/?/, '')}`;
}

/**
 * Whether the hash location shown was reached by navigate(…, {keepFocus: true}).
 * @param {string} loc as wouter's hash hook reports it
 * @returns {boolean}
 */
export function focusKept(loc) {
  return focusKeptAt !== '' && focusKeptAt === loc;
}

/**
 * The location hook for wouter's Router: the hash's path, without its query.
 * @returns {[string, typeof navigate]}
 */
export function useHashPath() {
  const [loc] = useHashLocation();
  return [loc.split('?')[0] || '/', navigate];
}
useHashPath.hrefs = (/** @type {string} */ href) => `#${href}`;

/**
 * The search hook for wouter's Router: the hash's query, without "?".
 * @returns {string}
 */
export function useHashSearch() {
  const [loc] = useHashLocation();
  const i = loc.indexOf('?');
  return i < 0 ? '' : loc.slice(i + 1);
}

// wouter's Router takes the search hook from the location hook.
useHashPath.searchHook = useHashSearch;
