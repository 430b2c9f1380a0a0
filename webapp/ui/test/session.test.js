import { describe, expect, it } from 'vitest';
import { authHeaders, forgetCredential, isJWT, loadCredential, normalizeCredential, saveCredential, socketInitPayload } from '../src/session.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

class MemoryStorage {
  #m = new Map();
  getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
  setItem(k, v) { this.#m.set(k, String(v)); }
  removeItem(k) { this.#m.delete(k); }
}

describe('credential headers', () => {
  it.each([
    ['dev-api-key-change-me', { apikey: 'dev-api-key-change-me' }, { apikey: 'dev-api-key-change-me' }],
    [JWT, { Authorization: `Bearer ${JWT}` }, { Authorization: `Bearer ${JWT}` }],
    ['a.b', { apikey: 'a.b' }, { apikey: 'a.b' }], // two parts: not a JWT
    ['a.b.c.d', { apikey: 'a.b.c.d' }, { apikey: 'a.b.c.d' }],
    ['a+b.c.d', { apikey: 'a+b.c.d' }, { apikey: 'a+b.c.d' }], // not base64url
    [null, {}, {}],
    ['', {}, {}],
  ])('%s', (cred, http, ws) => {
    expect(authHeaders(cred)).toEqual(http);
    expect(socketInitPayload(cred)).toEqual(ws);
  });

  it('recognises a JWT', () => {
    expect(isJWT(JWT)).toBe(true);
    expect(isJWT('dev-api-key-change-me')).toBe(false);
  });

  it('drops a pasted Bearer prefix and spaces', () => {
    expect(normalizeCredential(`  Bearer ${JWT} `)).toBe(JWT);
    expect(normalizeCredential(' key ')).toBe('key');
  });
});

describe('session storage', () => {
  it('keeps a credential until sign-out', () => {
    const s = new MemoryStorage();
    expect(loadCredential(s)).toBeNull();
    saveCredential(s, 'k');
    expect(loadCredential(s)).toBe('k');
    forgetCredential(s);
    expect(loadCredential(s)).toBeNull();
  });

  it('signs in with the development key until the user signs out', () => {
    const s = new MemoryStorage();
    expect(loadCredential(s, 'dev')).toBe('dev');
    forgetCredential(s);
    expect(loadCredential(s, 'dev')).toBeNull();
    saveCredential(s, 'other');
    expect(loadCredential(s, 'dev')).toBe('other');
  });
});
