import { describe, expect, it } from 'vitest';
import { authReducer, authWords, canWrite, devBannerText, initialAuth, requestCredential } from '../src/auth.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const run = (state, ...events) => events.reduce(authReducer, state);

describe('authReducer', () => {
  const anonymous = initialAuth(null);
  const checking = initialAuth('k');
  const cases = [
    { name: 'a stored key starts unchecked', state: checking, events: [], want: { credential: 'k', status: 'checking' } },
    { name: 'no key is anonymous', state: anonymous, events: [], want: { credential: null, status: 'anonymous' } },
    { name: 'sign-in waits for the gateway', state: anonymous, events: [{ type: 'signIn', credential: 'k' }], want: { credential: 'k', status: 'checking' } },
    { name: 'connection_ack accepts it', state: checking, events: [{ type: 'accepted', credential: 'k' }], want: { credential: 'k', status: 'accepted' } },
    { name: 'a 4403 close refuses it', state: checking, events: [{ type: 'refused', credential: 'k' }], want: { credential: 'k', status: 'refused' } },
    {
      name: 'a verdict on an older key is ignored',
      state: checking,
      events: [{ type: 'signIn', credential: 'new' }, { type: 'accepted', credential: 'k' }],
      want: { credential: 'new', status: 'checking' },
    },
    { name: 'an anonymous socket\'s ack says nothing', state: anonymous, events: [{ type: 'accepted', credential: null }], want: { credential: null, status: 'anonymous' } },
    {
      name: 'a refused key signed in again is checked again',
      state: checking,
      events: [{ type: 'refused', credential: 'k' }, { type: 'signIn', credential: 'k' }],
      want: { credential: 'k', status: 'checking' },
    },
    {
      name: 'an accepted key signed in again stays accepted',
      state: checking,
      events: [{ type: 'accepted', credential: 'k' }, { type: 'signIn', credential: 'k' }],
      want: { credential: 'k', status: 'accepted' },
    },
    {
      name: 'an accepted key refused later (a 401 on a write) is refused',
      state: checking,
      events: [{ type: 'accepted', credential: 'k' }, { type: 'refused', credential: 'k' }],
      want: { credential: 'k', status: 'refused' },
    },
    { name: 'sign-out forgets the key', state: checking, events: [{ type: 'accepted', credential: 'k' }, { type: 'signOut' }], want: { credential: null, status: 'anonymous' } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(run(c.state, ...c.events)).toEqual(c.want));
  }

  it('returns the same state when nothing changes', () => {
    const accepted = run(initialAuth('k'), { type: 'accepted', credential: 'k' });
    expect(authReducer(accepted, { type: 'accepted', credential: 'k' })).toBe(accepted);
    expect(authReducer(accepted, { type: 'signIn', credential: 'k' })).toBe(accepted);
    const anonymous = initialAuth(null);
    expect(authReducer(anonymous, { type: 'signOut' })).toBe(anonymous);
  });
});

describe('what the state means', () => {
  it.each([
    [initialAuth(null), null, false, 'Read-only: browsing without a key'],
    [initialAuth('k'), 'k', true, 'Checking the key…'],
    [{ credential: 'k', status: 'accepted' }, 'k', true, 'Signed in with an API key'],
    [{ credential: JWT, status: 'accepted' }, JWT, true, 'Signed in with a JWT'],
    [{ credential: 'k', status: 'refused' }, null, false, 'The gateway refused this key'],
    [{ credential: JWT, status: 'refused' }, null, false, 'The gateway refused this JWT'],
  ])('%j: requests carry %j, writes %s, "%s"', (state, credential, writes, words) => {
    expect(requestCredential(state)).toBe(credential);
    expect(canWrite(state)).toBe(writes);
    expect(authWords(state)).toBe(words);
  });
});

describe('devBannerText', () => {
  const dev = 'dev-key';
  it.each([
    [{ credential: dev, status: 'accepted' }, dev, /signed in with the development API key/],
    [{ credential: dev, status: 'checking' }, dev, /signed in with the development API key/],
    [{ credential: dev, status: 'refused' }, dev, /refused the development API key/],
    [{ credential: 'mine', status: 'accepted' }, 'mine', /another key than the development API key/],
    [{ credential: null, status: 'anonymous' }, dev, /pre-filled in the key box; press Sign in to use it/],
    [{ credential: null, status: 'anonymous' }, 'typed', /^Development configuration: this gateway has a development API key\.$/],
    [{ credential: 'wrong', status: 'refused' }, 'wrong', /^Development configuration: this gateway has a development API key\.$/],
  ])('%j with %j in the box', (state, draft, want) => {
    expect(devBannerText(state, dev, draft)).toMatch(want);
  });
});
