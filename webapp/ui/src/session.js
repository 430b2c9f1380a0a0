// Credentials for this browser session: an API key or a JWT, kept in
// sessionStorage so a reload keeps them and closing the tab forgets them.

const KEY = 'articlekit.credential';
// Set when the user signs out, so the development key is not signed in again
// on the next reload of this session.
const SIGNED_OUT = 'articlekit.signedOut';

/** Three base64url parts separated by dots, as a compact JWS is. */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The credential as entered, without a pasted "Bearer " prefix or spaces.
 * @param {string} value
 * @returns {string}
 */
export function normalizeCredential(value) {
  return String(value ?? '').trim().replace(/^Bearer\s+/i, '');
}

/**
 * Whether a credential is a JWT rather than an API key.
 * @param {string} credential
 * @returns {boolean}
 */
export function isJWT(credential) {
  return JWT.test(credential);
}

/**
 * The HTTP headers that carry a credential: `Authorization: Bearer` for a
 * JWT, `apikey` for an API key, none without one.
 * @param {string|null|undefined} credential
 * @returns {Record<string, string>}
 */
export function authHeaders(credential) {
  if (!credential) return {};
  return isJWT(credential) ? { Authorization: `Bearer ${credential}` } : { apikey: credential };
}

/**
 * The connection_init payload that carries a credential over WebSocket.
 * @param {string|null|undefined} credential
 * @returns {Record<string, string>}
 */
export function socketInitPayload(credential) {
  if (!credential) return {};
  return isJWT(credential) ? { Authorization: `Bearer ${credential}` } : { apikey: credential };
}

/**
 * The stored credential, or the development key when the configuration has
 * one and the user did not sign out in this session.
 * @param {Storage} storage
 * @param {string|undefined} devAPIKey
 * @returns {string|null}
 */
export function loadCredential(storage, devAPIKey) {
  const stored = storage.getItem(KEY);
  if (stored) return stored;
  if (devAPIKey && storage.getItem(SIGNED_OUT) !== 'true') return devAPIKey;
  return null;
}

/**
 * Remembers a credential for the session.
 * @param {Storage} storage
 * @param {string} credential
 */
export function saveCredential(storage, credential) {
  storage.setItem(KEY, credential);
  storage.removeItem(SIGNED_OUT);
}

/**
 * Forgets the credential.
 * @param {Storage} storage
 */
export function forgetCredential(storage) {
  storage.removeItem(KEY);
  storage.setItem(SIGNED_OUT, 'true');
}
