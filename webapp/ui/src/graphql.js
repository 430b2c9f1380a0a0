// The GraphQL client: queries and mutations over HTTP POST, subscriptions
// over one graphql-transport-ws socket. Both carry the current credential,
// and every failure leaves as an ApiError holding a Problem.
import { createClient } from 'graphql-ws/client';
import { authHeaders, socketInitPayload } from './session.js';
import { networkProblem, problemFromResponse, problemFromSocket, retryDelaySeconds } from './errors.js';

/** An operation that failed; `problem` says how, in words. */
export class ApiError extends Error {
  /** @param {import('./errors.js').Problem} problem */
  constructor(problem) {
    super(problem.message);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

/**
 * The WebSocket URL of an HTTP path on this page's origin.
 * @param {string} path e.g. "/graphql"
 * @param {{protocol: string, host: string, href: string}} loc the page's location
 * @returns {string}
 */
export function socketURL(path, loc) {
  const url = new URL(path, loc.href);
  url.protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * @typedef {object} Subscription
 * @property {string} query
 * @property {Record<string, unknown>} variables
 * @property {(data: any) => void} next
 * @property {(problem: import('./errors.js').Problem) => void} error
 * @property {() => void} [stop] ends the current run on the current socket
 * @property {ReturnType<typeof setTimeout>} [retry]
 */

/**
 * A GraphQL client for one endpoint.
 * @param {{url: string, socketUrl: string, credential?: string|null}} options
 */
export function createGraphQL({ url, socketUrl, credential = null }) {
  let current = credential;
  /** @type {Set<Subscription>} */
  const active = new Set();
  /** @type {SocketState} */
  let state = 'idle';
  /** @type {Set<(s: SocketState) => void>} */
  const watchers = new Set();
  const setState = (/** @type {SocketState} */ s) => {
    state = s;
    watchers.forEach((w) => w(s));
  };

  const newSocket = () =>
    createClient({
      url: socketUrl,
      lazy: true,
      connectionParams: () => socketInitPayload(current),
      retryAttempts: Infinity,
      // Retry lost connections and failed handshakes, but not refused
      // credentials: those need the user.
      shouldRetry: (e) => !(e && typeof e === 'object' && 'code' in e && (e.code === 4403 || e.code === 4401)),
      retryWait: (n) => new Promise((resolve) => setTimeout(resolve, Math.min(30, 2 ** n) * 1000 + Math.random() * 1000)),
      on: {
        connecting: () => setState('connecting'),
        connected: () => setState('connected'),
        closed: (e) => {
          const code = e && typeof e === 'object' && 'code' in e ? e.code : 0;
          setState(code === 4403 || code === 4401 ? 'refused' : active.size ? 'reconnecting' : 'idle');
        },
      },
    });
  let socket = newSocket();

  /** @param {Subscription} sub */
  const start = (sub) => {
    const on = socket;
    sub.stop = on.subscribe(
      { query: sub.query, variables: sub.variables },
      {
        next: (msg) => {
          if (msg.errors?.length) sub.error(problemFromSocket(msg.errors));
          else if (msg.data) sub.next(msg.data);
        },
        error: (err) => {
          if (on !== socket || !active.has(sub)) return; // replaced or ended meanwhile
          sub.stop = undefined;
          const problem = problemFromSocket(err);
          sub.error(problem);
          // A refused subscription (rate limit, unavailable) is tried again
          // once its Retry-After passes; a refused credential waits for a new one.
          const wait = retryDelaySeconds(problem);
          if (wait != null) sub.retry = setTimeout(() => active.has(sub) && start(sub), wait * 1000);
        },
        complete: () => {},
      },
    );
  };

  return {
    /**
     * Runs a query or mutation.
     * @param {string} query
     * @param {Record<string, unknown>} [variables]
     * @param {{signal?: AbortSignal}} [options]
     * @returns {Promise<any>} the data
     * @throws {ApiError}
     */
    async request(query, variables = {}, { signal } = {}) {
      let res;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders(current) },
          body: JSON.stringify({ query, variables }),
          signal,
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ApiError(networkProblem());
      }
      let body = null;
      try {
        body = await res.json();
      } catch {
        if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
        // Not JSON (a proxy's error page): the status alone tells.
      }
      const problem = problemFromResponse({ status: res.status, retryAfter: res.headers.get('Retry-After'), body });
      if (problem) throw new ApiError(problem);
      return body?.data ?? {};
    },

    /**
     * Subscribes to an operation; data goes to next, problems to error.
     * Lasts across reconnects and credential changes until the returned
     * function is called.
     * @param {string} query
     * @param {Record<string, unknown>} variables
     * @param {{next: (data: any) => void, error: (problem: import('./errors.js').Problem) => void}} sink
     * @returns {() => void} unsubscribe
     */
    subscribe(query, variables, sink) {
      /** @type {Subscription} */
      const sub = { query, variables, next: sink.next, error: sink.error };
      active.add(sub);
      start(sub);
      return () => {
        active.delete(sub);
        clearTimeout(sub.retry);
        sub.stop?.();
      };
    },

    /**
     * Uses another credential (or none) from now on: the socket is opened
     * again so that connection_init carries it, with every subscription.
     * @param {string|null} credential
     */
    setCredential(credential) {
      if (credential === current) return;
      current = credential;
      const old = socket;
      socket = newSocket();
      for (const sub of active) {
        clearTimeout(sub.retry);
        sub.stop?.();
        start(sub);
      }
      // Disposing a socket that never connected rejects; nothing waits for it.
      Promise.resolve(old.dispose()).catch(() => {});
    },

    /**
     * The socket's state now, and a way to follow it.
     * @param {(state: SocketState) => void} watcher
     * @returns {() => void} stops following
     */
    watchSocket(watcher) {
      watchers.add(watcher);
      watcher(state);
      return () => watchers.delete(watcher);
    },
  };
}

/** @typedef {'idle'|'connecting'|'connected'|'reconnecting'|'refused'} SocketState */

/** @typedef {ReturnType<typeof createGraphQL>} GraphQL */
