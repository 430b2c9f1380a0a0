import { describe, expect, it } from 'vitest';
import {
  fieldMessages,
  formFieldOf,
  isRefusedClose,
  listFieldErrors,
  withoutField,
  messageWithTimeLeft,
  networkProblem,
  parseRetryAfter,
  problemFromGraphQLErrors,
  problemFromResponse,
  problemFromSocket,
  retryDelaySeconds,
} from '../src/errors.js';

const gatewayBody = (code, status, type, extra = {}) => ({
  errors: [{ message: 'refused', extensions: { code, type: `urn:articlekit:problem:${type}`, status, ...extra } }],
});

describe('problemFromResponse', () => {
  const cases = [
    {
      name: '429 with Retry-After',
      res: { status: 429, retryAfter: '12', body: gatewayBody('RATE_LIMITED', 429, 'rate-limited') },
      want: {
        kind: 'rate_limited',
        retryAfterSeconds: 12,
        message: 'Too many requests. The gateway limits how often it may be called; you can try again in 12 seconds.',
      },
    },
    {
      name: '401 unauthenticated',
      res: { status: 401, body: gatewayBody('UNAUTHENTICATED', 401, 'unauthenticated') },
      want: { kind: 'unauthenticated' },
      noRetry: true,
      message: /^This needs an API key/,
    },
    { name: '403 forbidden', res: { status: 403, body: gatewayBody('FORBIDDEN', 403, 'forbidden') }, want: { kind: 'forbidden', message: 'Your key may not do this.' } },
    {
      name: '503 with Retry-After',
      res: { status: 503, retryAfter: '3', body: gatewayBody('UPSTREAM_UNAVAILABLE', 503, 'upstream-unavailable') },
      want: { kind: 'unavailable', retryAfterSeconds: 3 },
      message: /^The service is unavailable right now\. .*3 seconds/,
    },
    {
      name: '503 without Retry-After',
      res: { status: 503, body: gatewayBody('UPSTREAM_UNAVAILABLE', 503, 'upstream-unavailable') },
      want: { kind: 'unavailable' },
      noRetry: true,
      message: /^The service is unavailable right now\./,
    },
    { name: '502 upstream failed', res: { status: 502, body: gatewayBody('UPSTREAM_FAILED', 502, 'upstream-failed') }, want: { kind: 'unavailable' } },
    { name: '504 upstream timeout', res: { status: 504, body: gatewayBody('UPSTREAM_TIMEOUT', 504, 'upstream-timeout') }, want: { kind: 'unavailable' }, message: /too long/ },
    { name: '503 without a JSON body', res: { status: 503, retryAfter: '7', body: null }, want: { kind: 'unavailable', retryAfterSeconds: 7 } },
    { name: '429 without a JSON body', res: { status: 429, retryAfter: '2', body: null }, want: { kind: 'rate_limited', retryAfterSeconds: 2 } },
    { name: '500 without a body', res: { status: 500, body: null }, want: { kind: 'internal' } },
    {
      name: 'API CONFLICT on 200',
      res: { status: 200, body: { errors: [{ message: 'the article changed', extensions: { code: 'CONFLICT' } }], data: null } },
      want: { kind: 'conflict', code: 'CONFLICT' },
    },
    { name: 'API NOT_FOUND', res: { status: 200, body: { errors: [{ extensions: { code: 'NOT_FOUND' } }] } }, want: { kind: 'not_found' } },
    { name: 'API UNAVAILABLE', res: { status: 200, body: { errors: [{ extensions: { code: 'UNAVAILABLE' } }] } }, want: { kind: 'unavailable' } },
    { name: 'API TIMEOUT', res: { status: 200, body: { errors: [{ extensions: { code: 'TIMEOUT' } }] } }, want: { kind: 'unavailable', code: 'TIMEOUT' } },
    { name: 'API INTERNAL_SERVER_ERROR', res: { status: 200, body: { errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } }, want: { kind: 'internal' } },
    { name: 'validation failed (422)', res: { status: 422, body: { errors: [{ message: 'Unknown argument', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } }, want: { kind: 'bad_request' } },
    { name: 'an error without a code', res: { status: 200, body: { errors: [{ message: 'boom' }] } }, want: { kind: 'internal' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = problemFromResponse(c.res);
      expect(p).toMatchObject(c.want);
      if (c.message) expect(p.message).toMatch(c.message);
      if (c.noRetry) expect(p.retryAfterSeconds).toBeUndefined();
      expect(p.title).toBeTruthy();
    });
  }

  it('is null for a success', () => {
    expect(problemFromResponse({ status: 200, body: { data: { getArticles: [] } } })).toBeNull();
  });
});

describe('BAD_USER_INPUT fields', () => {
  it('maps each field, tags[N] to tags, under its input', () => {
    const p = problemFromGraphQLErrors([
      {
        message: 'invalid article',
        extensions: {
          code: 'BAD_USER_INPUT',
          fields: [
            { field: 'title', code: 'required', message: 'is required' },
            { field: 'tags[3]', code: 'too_long', message: 'must be at most 32 characters' },
            { field: 'tags[0]', code: 'required', message: 'must not be blank' },
            { field: 'content', code: 'control_character', message: 'must not contain control characters other than tab and line breaks' },
          ],
        },
      },
    ]);
    expect(p.kind).toBe('invalid');
    expect(p.fields).toEqual({
      title: 'Title is required.',
      tags: 'Tag 4 must be at most 32 characters. Tag 1 must not be blank.',
      content: 'Content must not contain control characters other than tab and line breaks.',
    });
  });

  it('without fields keeps the server message', () => {
    const p = problemFromGraphQLErrors([{ message: 'bad id', extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(p.kind).toBe('invalid');
    expect(p.fields).toBeUndefined();
    expect(p.message).toContain('bad id');
  });

  it.each([
    ['title', 'title'],
    ['tags', 'tags'],
    ['tags[3]', 'tags'],
    ['tags[12]', 'tags'],
  ])('formFieldOf(%s) = %s', (field, want) => expect(formFieldOf(field)).toBe(want));

  it('fieldMessages ignores junk', () => {
    expect(fieldMessages([null, { code: 'x' }, { field: 'author', code: 'too_long' }])).toEqual({ author: 'Author too_long.' });
  });
});

describe('401: whether a credential was sent', () => {
  const body = gatewayBody('UNAUTHENTICATED', 401, 'unauthenticated');
  it('without one: enter a key', () => {
    expect(problemFromResponse({ status: 401, body }).message).toBe('This needs an API key. Enter one in the sign-in box above.');
  });
  it('with one: the key was not accepted', () => {
    expect(problemFromResponse({ status: 401, body, credentialSent: true }).message).toBe('The gateway did not accept your key.');
  });
  it('without a JSON body, by the status', () => {
    expect(problemFromResponse({ status: 401, body: null, credentialSent: true })).toMatchObject({ kind: 'unauthenticated', message: 'The gateway did not accept your key.' });
  });
  it('over WebSocket', () => {
    expect(problemFromSocket({ code: 4403, reason: 'Forbidden' }, { credentialSent: true }).message).toBe('The gateway did not accept your key.');
  });
});

describe('a list query refused', () => {
  // As the API answers getArticles(search: 201 chars, author: "x\u0001", tag: 33 chars).
  const errors = [
    {
      message: 'invalid article request: author: must not contain control characters; tag: must be at most 32 characters; search: must be at most 200 characters',
      extensions: {
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'author', code: 'control_character', message: 'must not contain control characters' },
          { field: 'tag', code: 'too_long', message: 'must be at most 32 characters' },
          { field: 'search', code: 'too_long', message: 'must be at most 200 characters' },
        ],
      },
    },
  ];
  it('maps each filter to its input', () => {
    expect(listFieldErrors(problemFromGraphQLErrors(errors))).toEqual({
      author: 'Author must not contain control characters.',
      tag: 'Tag must be at most 32 characters.',
      search: 'Search must be at most 200 characters.',
    });
  });
  it('puts limit and offset together, as the page', () => {
    const p = problemFromGraphQLErrors([
      { extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'offset', message: 'must be at most 10000' }, { field: 'limit', message: 'must be at most 100' }] } },
    ]);
    expect(listFieldErrors(p)).toEqual({ page: "The page size must be at most 100. The page's offset must be at most 10000." });
  });
  it.each([
    ['no problem', null],
    ['invalid without fields', problemFromGraphQLErrors([{ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }])],
    ['another kind', problemFromResponse({ status: 503, body: null })],
  ])('nothing for %s', (_name, p) => expect(listFieldErrors(p)).toEqual({}));
});

describe('withoutField', () => {
  it('drops one field\'s error', () => {
    expect(withoutField({ title: 'a', tags: 'b' }, 'title')).toEqual({ tags: 'b' });
  });
  it('is the same object when the field has none', () => {
    const errors = { tags: 'b' };
    expect(withoutField(errors, 'title')).toBe(errors);
  });
});

describe('WebSocket refusals', () => {
  it.each([
    [{ code: 4403, reason: '' }, true],
    [{ code: 4401, reason: '' }, true],
    [{ code: 4429, reason: '' }, false],
    [{ code: 1006, reason: '' }, false],
    [new Error('x'), false],
    [null, false],
  ])('isRefusedClose(%j) = %s', (e, want) => expect(isRefusedClose(e)).toBe(want));

  it.each([
    [[{ message: 'slow down', extensions: { code: 'RATE_LIMITED', status: 429, retryAfter: 4 } }], { kind: 'rate_limited', retryAfterSeconds: 4 }],
    [[{ message: 'no', extensions: { code: 'UNAUTHENTICATED', status: 401 } }], { kind: 'unauthenticated' }],
    [[{ message: 'no', extensions: { code: 'FORBIDDEN', status: 403 } }], { kind: 'forbidden' }],
    [{ code: 4403, reason: 'Forbidden: invalid API key' }, { kind: 'unauthenticated' }],
    [{ code: 1006, reason: '' }, { kind: 'network' }],
    [new Error('socket'), { kind: 'network' }],
  ])('%j', (err, want) => expect(problemFromSocket(err)).toMatchObject(want));
});

describe('Retry-After', () => {
  it.each([
    ['12', 12],
    [' 3 ', 3],
    ['0', undefined],
    ['', undefined],
    [null, undefined],
    ['soon', undefined],
    [5, 5],
    [2.2, 3],
  ])('parseRetryAfter(%j) = %j', (v, want) => expect(parseRetryAfter(v)).toBe(want));

  it('reads an HTTP date', () => {
    const now = Date.parse('2026-12-02T16:00:00Z');
    expect(parseRetryAfter('Wed, 02 Dec 2026 16:00:10 GMT', now)).toBe(10);
  });

  it('counts down in the message', () => {
    const p = problemFromResponse({ status: 429, retryAfter: '12', body: null });
    expect(messageWithTimeLeft(p, 1)).toMatch(/try again in 1 second\.$/);
    expect(messageWithTimeLeft(p, 0)).toMatch(/try again now\.$/);
  });

  it.each([
    [{ kind: 'rate_limited', retryAfterSeconds: 9 }, 9],
    [{ kind: 'unavailable' }, 5],
    [{ kind: 'network' }, 5],
    [{ kind: 'unauthenticated' }, null],
    [{ kind: 'invalid' }, null],
  ])('retryDelaySeconds(%j) = %j', (p, want) => expect(retryDelaySeconds(/** @type {any} */ (p))).toBe(want));
});

it('a network failure is "cannot reach the server"', () => {
  expect(networkProblem()).toMatchObject({ kind: 'network', message: expect.stringMatching(/^Cannot reach the server/) });
});
