// The one place where failures become words. Every failure the web app can
// meet — a GraphQL error from the API, a refusal from the gateway over HTTP
// or WebSocket, a network failure — is turned into a Problem here, so pages
// only decide where to show it.

/**
 * What went wrong, for a person.
 * @typedef {object} Problem
 * @property {'rate_limited'|'unauthenticated'|'forbidden'|'unavailable'|'network'|'internal'|'invalid'|'conflict'|'not_found'|'bad_request'} kind
 *   what kind of failure it is; the first six are the notice's data-kind values
 * @property {string} title a few words, e.g. "Too many requests"
 * @property {string} message plain words: what happened and what to do
 * @property {number} [retryAfterSeconds] when trying again makes sense, in seconds
 * @property {Record<string, string>} [fields] per input, the reason it was refused: an article's ("title", "content",
 *   "author", "tags") or a list query's ("search", "author", "tag", "limit", "offset")
 * @property {string} [code] the server's code (extensions.code), for logs and tests
 */

const FIELD_LABELS = {
  title: 'Title',
  content: 'Content',
  author: 'Author',
  tags: 'Tags',
  search: 'Search',
  tag: 'Tag',
  limit: 'The page size',
  offset: "The page's offset",
};

/**
 * The text of a rate-limit refusal, with the time left.
 * @param {number} [seconds] seconds until a retry is allowed; 0 or absent: now
 * @returns {string}
 */
export function rateLimitMessage(seconds) {
  const base = 'Too many requests. The gateway limits how often it may be called; ';
  if (!seconds || seconds <= 0) return base + 'you can try again now.';
  return base + `you can try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

/**
 * The text of an unavailable service, with the time left when known.
 * @param {number} [seconds]
 * @returns {string}
 */
export function unavailableMessage(seconds) {
  const base = 'The service is unavailable right now. ';
  if (!seconds || seconds <= 0) return base + 'Please try again in a moment.';
  return base + `It will be tried again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

/**
 * The problem's message with retryAfterSeconds replaced by the time left, so
 * a notice can count down.
 * @param {Problem} problem
 * @param {number} secondsLeft
 * @returns {string}
 */
export function messageWithTimeLeft(problem, secondsLeft) {
  if (problem.retryAfterSeconds == null) return problem.message;
  if (problem.kind === 'rate_limited') return rateLimitMessage(secondsLeft);
  if (problem.kind === 'unavailable' && problem.code !== 'TIMEOUT' && problem.code !== 'UPSTREAM_TIMEOUT') {
    return unavailableMessage(secondsLeft);
  }
  return problem.message;
}

/**
 * Seconds to wait from a Retry-After value: delta-seconds or an HTTP date.
 * @param {string|number|null|undefined} value
 * @param {number} [now] milliseconds since the epoch, for dates
 * @returns {number|undefined} whole seconds, at least 1; undefined when absent or unreadable
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return undefined;
  if (typeof value === 'number') return value > 0 ? Math.ceil(value) : undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n > 0 ? n : undefined;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const s = Math.ceil((at - now) / 1000);
  return s > 0 ? s : undefined;
}

/**
 * The form field an API field name belongs to: "tags[3]" is the tags input.
 * @param {string} name
 * @returns {string}
 */
export function formFieldOf(name) {
  return String(name).replace(/\[\d+\]$/, '');
}

/**
 * Per-field reasons from BAD_USER_INPUT's extensions.fields, in words.
 * Several reasons for one input are joined.
 * @param {Array<{field: string, code?: string, message?: string}>} list
 * @returns {Record<string, string>}
 */
export function fieldMessages(list) {
  /** @type {Record<string, string[]>} */
  const byField = {};
  for (const f of list ?? []) {
    if (!f || typeof f.field !== 'string') continue;
    const input = formFieldOf(f.field);
    const index = /\[(\d+)\]$/.exec(f.field);
    const subject = index ? `Tag ${Number(index[1]) + 1}` : FIELD_LABELS[input] ?? input;
    const reason = (f.message || f.code || 'is not valid').trim();
    (byField[input] ??= []).push(`${subject} ${reason.replace(/\.$/, '')}.`);
  }
  return Object.fromEntries(Object.entries(byField).map(([k, v]) => [k, v.join(' ')]));
}

/**
 * The field errors without one field's, as when its value changes: the
 * reason was about the value refused.
 * @param {Record<string, string>} errors
 * @param {string} name
 * @returns {Record<string, string>} `errors` itself when it has none for name
 */
export function withoutField(errors, name) {
  if (!(name in errors)) return errors;
  const { [name]: _, ...rest } = errors;
  return rest;
}

/**
 * A Problem from an error code (extensions.code), the API's or the gateway's.
 * @param {string|undefined} code
 * @param {{message?: string, retryAfterSeconds?: number, fields?: Array<{field: string, code?: string, message?: string}>, status?: number, credentialSent?: boolean}} [details]
 *   credentialSent: whether the request carried a credential, which a refusal is then about
 * @returns {Problem}
 */
export function problemFromCode(code, details = {}) {
  const { message: serverMessage, retryAfterSeconds, status } = details;
  /** @type {(p: Omit<Problem, 'code'>) => Problem} */
  const make = (p) => {
    const out = { ...p, code: code ?? (status ? `HTTP_${status}` : 'UNKNOWN') };
    if (retryAfterSeconds != null && out.retryAfterSeconds == null && (p.kind === 'rate_limited' || p.kind === 'unavailable')) {
      out.retryAfterSeconds = retryAfterSeconds;
    }
    return out;
  };
  switch (code) {
    case 'RATE_LIMITED':
      return make({
        kind: 'rate_limited',
        title: 'Too many requests',
        message: rateLimitMessage(retryAfterSeconds),
        retryAfterSeconds: retryAfterSeconds ?? 1,
      });
    case 'UNAUTHENTICATED':
      return make({
        kind: 'unauthenticated',
        ...(details.credentialSent
          ? { title: 'Key not accepted', message: 'The gateway did not accept your key.' }
          : { title: 'API key needed', message: 'This needs an API key. Enter one in the sign-in box above.' }),
      });
    case 'FORBIDDEN':
      return make({ kind: 'forbidden', title: 'Not allowed', message: 'Your key may not do this.' });
    case 'UNAVAILABLE':
    case 'UPSTREAM_UNAVAILABLE':
    case 'UPSTREAM_FAILED':
      return make({ kind: 'unavailable', title: 'Service unavailable', message: unavailableMessage(retryAfterSeconds) });
    case 'TIMEOUT':
    case 'UPSTREAM_TIMEOUT':
      return make({
        kind: 'unavailable',
        title: 'Too slow',
        message: 'The service took too long to answer. Please try again in a moment.',
      });
    case 'BAD_USER_INPUT': {
      const fields = fieldMessages(details.fields ?? []);
      const p = {
        kind: /** @type {const} */ ('invalid'),
        title: 'Not valid',
        message: Object.keys(fields).length
          ? 'Some fields are not valid; see the messages under them.'
          : `The request was not valid: ${serverMessage || 'no reason given'}.`,
      };
      return make(Object.keys(fields).length ? { ...p, fields } : p);
    }
    case 'CONFLICT':
      return make({
        kind: 'conflict',
        title: 'Changed by someone else',
        message: 'This article was changed by someone else since you opened it.',
      });
    case 'NOT_FOUND':
      return make({ kind: 'not_found', title: 'Not found', message: 'There is no such article; it may have been deleted.' });
    case 'BAD_REQUEST':
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'DEPTH_LIMIT_EXCEEDED':
    case 'COMPLEXITY_LIMIT_EXCEEDED':
    case 'DOCUMENT_LIMIT_EXCEEDED':
    case 'PAYLOAD_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'METHOD_NOT_ALLOWED':
      return make({
        kind: 'bad_request',
        title: 'Request refused',
        message: `The server refused this request${serverMessage ? `: ${serverMessage.trim().replace(/\.$/, '')}` : ''}. This is likely a bug in the web app.`,
      });
    default:
      break;
  }
  // No code we know: go by the HTTP status, as a proxy in between may answer.
  switch (status) {
    case 401:
      return problemFromCode('UNAUTHENTICATED', details);
    case 403:
      return problemFromCode('FORBIDDEN', details);
    case 429:
      return problemFromCode('RATE_LIMITED', details);
    case 502:
    case 503:
      return problemFromCode('UPSTREAM_UNAVAILABLE', details);
    case 504:
      return problemFromCode('UPSTREAM_TIMEOUT', details);
    default:
      return make({
        kind: 'internal',
        title: 'Something went wrong',
        message: 'Something went wrong on the server. Please try again; if it keeps happening, tell the operators.',
      });
  }
}

/**
 * A Problem from the first of a GraphQL response's errors (HTTP 200 from the
 * API, or a gateway refusal with its status and Retry-After header).
 * @param {Array<{message?: string, extensions?: {code?: string, fields?: any[], retryAfter?: number, status?: number}}>} errors
 * @param {{status?: number, retryAfter?: string|number|null, credentialSent?: boolean}} [http]
 * @returns {Problem}
 */
export function problemFromGraphQLErrors(errors, http = {}) {
  const first = Array.isArray(errors) && errors.length ? errors[0] : {};
  const ext = first?.extensions ?? {};
  const retryAfterSeconds = parseRetryAfter(http.retryAfter) ?? parseRetryAfter(ext.retryAfter);
  return problemFromCode(ext.code, {
    message: first?.message,
    fields: ext.fields,
    retryAfterSeconds,
    status: http.status ?? ext.status,
    credentialSent: http.credentialSent,
  });
}

/**
 * A Problem from an HTTP response to a GraphQL request whose body was read
 * (as JSON, or null when it was not JSON).
 * @param {{status: number, retryAfter?: string|null, body?: any, credentialSent?: boolean}} response
 * @returns {Problem|null} null when the response succeeded without errors
 */
export function problemFromResponse({ status, retryAfter, body, credentialSent }) {
  const errors = body && Array.isArray(body.errors) ? body.errors : null;
  if (status >= 200 && status < 300 && !errors?.length) return null;
  if (errors?.length) return problemFromGraphQLErrors(errors, { status: status === 200 ? undefined : status, retryAfter, credentialSent });
  return problemFromCode(undefined, { status, retryAfterSeconds: parseRetryAfter(retryAfter), credentialSent });
}

/**
 * The Problem of a request that never got an answer (fetch threw).
 * @returns {Problem}
 */
export function networkProblem() {
  return {
    kind: 'network',
    title: 'Cannot reach the server',
    message: 'Cannot reach the server. Check your connection and try again.',
    code: 'NETWORK',
  };
}

/**
 * Whether a WebSocket close is the gateway refusing the credentials: 4403
 * for connection_init's, 4401 for none at all.
 * @param {unknown} err a close event, or anything else a socket fails with
 * @returns {boolean}
 */
export function isRefusedClose(err) {
  return Boolean(err && typeof err === 'object' && 'code' in err && (err.code === 4403 || err.code === 4401));
}

/**
 * A Problem from what a graphql-ws subscription failed with: the errors of
 * an `error` message, a close event, or an Error.
 * @param {unknown} err
 * @param {{credentialSent?: boolean}} [options] whether connection_init carried a credential
 * @returns {Problem}
 */
export function problemFromSocket(err, { credentialSent = false } = {}) {
  if (Array.isArray(err)) return problemFromGraphQLErrors(err, { credentialSent });
  if (isRefusedClose(err)) return problemFromCode('UNAUTHENTICATED', { credentialSent });
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'number') {
    const code = /** @type {{code: number, reason?: string}} */ (err).code;
    if (code === 4429) return problemFromCode('RATE_LIMITED');
    if (code === 4500) return problemFromCode('INTERNAL_SERVER_ERROR');
    return networkProblem();
  }
  return networkProblem();
}

/** Kinds after which reading again later can succeed without the user. */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'network']);

/**
 * Whether a read that failed so should be tried again by itself, and when.
 * @param {Problem} problem
 * @returns {number|null} seconds to wait, or null for no retry
 */
export function retryDelaySeconds(problem) {
  if (!RETRYABLE.has(problem.kind)) return null;
  return problem.retryAfterSeconds ?? 5;
}

/**
 * What a refused list query says about each filter (BAD_USER_INPUT's
 * fields): search, author and tag go under their inputs; limit and offset,
 * which the page number decides, together as `page`.
 * @param {Problem|null|undefined} problem
 * @returns {{search?: string, author?: string, tag?: string, page?: string}}
 */
export function listFieldErrors(problem) {
  if (problem?.kind !== 'invalid' || !problem.fields) return {};
  const { search, author, tag, limit, offset } = problem.fields;
  const page = [limit, offset].filter(Boolean).join(' ');
  return Object.fromEntries(Object.entries({ search, author, tag, page }).filter(([, v]) => v));
}
