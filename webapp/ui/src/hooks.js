// Hooks shared by the pages.
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { useApp } from './context.js';
import { retryDelaySeconds } from './errors.js';
import { focusKept } from './router.js';

/**
 * Whole seconds left until a time, updated every second.
 * @param {number} until milliseconds since the epoch
 * @returns {number} 0 once passed
 */
export function useSecondsLeft(until) {
  const left = () => Math.max(0, Math.ceil((until - Date.now()) / 1000));
  const [, tick] = useState(0);
  useEffect(() => {
    if (left() <= 0) return undefined;
    const t = setInterval(() => {
      tick((n) => n + 1);
      if (left() <= 0) clearInterval(t);
    }, 1000);
    return () => clearInterval(t);
  }, [until]);
  return left();
}

/**
 * Loads data for a page. Problems go to the notice area, except the kinds
 * the page shows itself (`inline`); reads that may succeed later (rate
 * limited, unavailable, unreachable) are tried again by themselves after
 * Retry-After. Loads again when deps or the credential change.
 * @template T
 * @param {(signal: AbortSignal) => Promise<T>} load
 * @param {unknown[]} deps
 * @param {{inline?: string[]}} [options]
 * @returns {{data: T|undefined, problem: import('./errors.js').Problem|null, loading: boolean, reload: () => void, setData: (d: T|((old: T|undefined) => T)) => void}}
 */
export function useQuery(load, deps, { inline = ['not_found'] } = {}) {
  const { report, clear, credentialGeneration } = useApp();
  const source = useId();
  const [state, setState] = useState(/** @type {{data: T|undefined, problem: any, loading: boolean}} */ ({ data: undefined, problem: null, loading: true }));
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    let retry;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        clear(source);
        setState({ data, problem: null, loading: false });
      },
      (err) => {
        if (ctl.signal.aborted) return;
        const problem = err?.problem;
        if (!problem) throw err;
        if (!inline.includes(problem.kind)) report(problem, source);
        setState((s) => ({ data: s.data, problem, loading: false }));
        const wait = retryDelaySeconds(problem);
        if (wait != null) retry = setTimeout(() => setAttempt((n) => n + 1), wait * 1000);
      },
    );
    return () => {
      ctl.abort();
      clearTimeout(retry);
    };
  }, [...deps, attempt, credentialGeneration]);

  useEffect(() => () => clear(source), []);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setData = useCallback((d) => setState((s) => ({ ...s, data: typeof d === 'function' ? d(s.data) : d })), []);
  return { ...state, reload, setData };
}

/**
 * Sets document.title for the page shown.
 * @param {string} title
 */
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · ArticleKit` : 'ArticleKit';
  }, [title]);
}

/**
 * A ref for the page's h1. After each navigation (a new path or query, not
 * the first load, nor one that keeps the focus as typing in a filter does)
 * the page scrolls to the top and the heading takes the focus once `ready`,
 * so keyboard and screen-reader users start at the top of what changed.
 * Pass ready=false while a placeholder ("Loading…") stands in for the real
 * heading.
 * @param {boolean} [ready]
 * @returns {import('preact').RefObject<HTMLHeadingElement>}
 */
export function usePageHeading(ready = true) {
  const { navigation } = useApp();
  const heading = useRef(/** @type {HTMLHeadingElement|null} */ (null));
  useEffect(() => {
    const h = heading.current;
    if (!ready || !h || navigation.focused.current === navigation.key) return;
    navigation.focused.current = navigation.key;
    if (focusKept(navigation.key)) return;
    h.tabIndex = -1;
    window.scrollTo(0, 0);
    h.focus({ preventScroll: true });
  }, [ready, navigation.key]);
  return heading;
}
