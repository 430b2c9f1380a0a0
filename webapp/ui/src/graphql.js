// The GraphQL client: queries and mutations over HTTP POST, subscriptions
// over one graphql-transport-ws socket. Both carry the current credential,
// and every failure leaves as an ApiError holding a Problem.
import { createClient } from 'graphql-ws/client';
import { authHeaders, socketInitPayload } from './session.js';
import { isRefusedClose, networkProblem, problemFromResponse, problemFromSocket, retryDelaySeconds } from './errors.js';

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
 * A GraphQL client for one endpoint. Its socket is always open, so that the
 * gateway judges the credential as soon as it is set (see watchVerdicts).
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
  /** @type {Verdict|null} */
  let verdict = null;
  /** @type {Set<(v: Verdict) => void>} */
  const judges = new Set();
  const judge = (/** @type {Verdict} */ v) => {
    verdict = v;
    judges.forEach((j) => j(v));
  };

  // Sockets are numbered so that a replaced one's late events are ignored.
  let generation = 0;
  const newSocket = (/** @type {string|null} */ cred) => {
    const mine = ++generation;
    const live = () => mine === generation;
    return createClient({
      url: socketUrl,
      lazy: false,
      // Failures reach `closed` below; nothing to log.
      onNonLazyError: () => {},
      connectionParams: () => socketInitPayload(cred),
      retryAttempts: Infinity,
      // Retry lost connections and failed handshakes, but not refused
      // credentials: those need the user.
      shouldRetry: (e) => !isRefusedClose(e),
      retryWait: (n) => new Promise((resolve) => setTimeout(resolve, Math.min(30, 2 ** n) * 1000 + Math.random() * 1000)),
      on: {
        connecting: () => live() && setState('connecting'),
        connected: () => {
          if (!live()) return;
          setState('connected');
          if (cred) judge({ type: 'accepted', credential: cred });
        },
        closed: (e) => {
          if (!live()) return;
          const refused = isRefusedClose(e);
          setState(refused ? 'refused' : 'reconnecting');
          if (refused && cred) judge({ type: 'refused', credential: cred });
        },
      },
    });
  };
  let socket = newSocket(current);

  /** @param {Subscription} sub */
  const start = (sub) => {
    const on = socket;
    const cred = current;
    sub.stop = on.subscribe(
      { query: sub.query, variables: sub.variables },
      {
        next: (msg) => {
          if (msg.errors?.length) sub.error(problemFromSocket(msg.errors, { credentialSent: Boolean(cred) }));
          else if (msg.data) sub.next(msg.data);
        },
        error: (err) => {
          if (on !== socket || !active.has(sub)) return; // replaced or ended meanwhile
          sub.stop = undefined;
          // A refused credential is the sign-in's to show (see watchVerdicts);
          // the subscription starts again with the credential that follows.
          if (isRefusedClose(err) && cred) return;
          const problem = problemFromSocket(err, { credentialSent: Boolean(cred) });
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
      const sent = current;
      let res;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders(sent) },
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
      const problem = problemFromResponse({ status: res.status, retryAfter: res.headers.get('Retry-After'), body, credentialSent: Boolean(sent) });
      if (problem) {
        // The gateway takes a refused key for no key when reading, so a 401
        // with one means it refused the key itself.
        if (problem.kind === 'unauthenticated' && sent) judge({ type: 'refused', credential: sent });
        throw new ApiError(problem);
      }
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
      verdict = null;
      const old = socket;
      socket = newSocket(credential);
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

    /**
     * Follows the gateway's verdicts on the credential: accepted when the
     * socket's connection_init is acknowledged, refused when the socket is
     * closed for it or a request is refused with 401. The latest verdict on
     * the current credential is given at once.
     * @param {(verdict: Verdict) => void} judgeFn
     * @returns {() => void} stops following
     */
    watchVerdicts(judgeFn) {
      judges.add(judgeFn);
      if (verdict) judgeFn(verdict);
      return () => judges.delete(judgeFn);
    },
  };
}

/** @typedef {{type: 'accepted'|'refused', credential: string}} Verdict */

/** @typedef {'idle'|'connecting'|'connected'|'reconnecting'|'refused'} SocketState */

/** @typedef {ReturnType<typeof createGraphQL>} GraphQL */
