// The sign-in state: the credential the user gave and what the gateway made
// of it. The gateway judges a credential when the subscription socket's
// connection_init carries it (connection_ack: accepted; close 4401/4403:
// refused), and a write refused with 401 says the same. Pure, so the
// transitions are tested apart from the page.
import { isJWT } from './session.js';

/** @typedef {'anonymous'|'checking'|'accepted'|'refused'} AuthStatus */
/** @typedef {{credential: string|null, status: AuthStatus}} AuthState */
/**
 * What can happen to the sign-in state. A verdict names the credential it is
 * about, since one about an older credential may arrive late.
 * @typedef {{type: 'signIn', credential: string} | {type: 'signOut'} | {type: 'accepted'|'refused', credential: string|null}} AuthEvent
 */

/**
 * The state with this credential, not yet judged.
 * @param {string|null} credential
 * @returns {AuthState}
 */
export function initialAuth(credential) {
  return credential ? { credential, status: 'checking' } : { credential: null, status: 'anonymous' };
}

/**
 * The state after an event; `state` itself when the event changes nothing.
 * @param {AuthState} state
 * @param {AuthEvent} event
 * @returns {AuthState}
 */
export function authReducer(state, event) {
  switch (event.type) {
    case 'signIn':
      // The same credential again changes nothing, unless it was refused:
      // then it is judged again.
      if (event.credential === state.credential && state.status !== 'refused') return state;
      return initialAuth(event.credential);
    case 'signOut':
      return state.credential ? initialAuth(null) : state;
    case 'accepted':
    case 'refused':
      // A verdict on another credential (an older socket's, an anonymous
      // one) says nothing about this one.
      if (!state.credential || event.credential !== state.credential || state.status === event.type) return state;
      return { ...state, status: event.type };
    default:
      return state;
  }
}

/**
 * The credential requests carry: the user's, unless the gateway refused it
 * (then they go anonymous).
 * @param {AuthState} state
 * @returns {string|null}
 */
export function requestCredential(state) {
  return state.status === 'refused' ? null : state.credential;
}

/**
 * Whether writes carry a credential that is accepted or still being checked.
 * @param {AuthState} state
 * @returns {boolean}
 */
export function canWrite(state) {
  return state.status === 'checking' || state.status === 'accepted';
}

/**
 * The sign-in state in words.
 * @param {AuthState} state
 * @returns {string}
 */
export function authWords(state) {
  const what = state.credential && isJWT(state.credential) ? 'JWT' : 'key';
  switch (state.status) {
    case 'checking':
      return `Checking the ${what}…`;
    case 'accepted':
      return what === 'JWT' ? 'Signed in with a JWT' : 'Signed in with an API key';
    case 'refused':
      return `The gateway refused this ${what}`;
    default:
      return 'Read-only: browsing without a key';
  }
}

/**
 * What the development banner says, given the sign-in state and what the key
 * box holds: it only asks to press Sign in when that would use the
 * development key.
 * @param {AuthState} state
 * @param {string} devKey
 * @param {string} draft the key box's text
 * @returns {string}
 */
export function devBannerText(state, devKey, draft) {
  const base = 'Development configuration: ';
  if (state.credential === devKey) {
    if (state.status === 'refused') return `${base}the gateway refused the development API key.`;
    return `${base}signed in with the development API key.`;
  }
  if (canWrite(state)) return `${base}signed in with another key than the development API key.`;
  if (draft.trim() === devKey) return `${base}the development API key is pre-filled in the key box; press Sign in to use it.`;
  return `${base}this gateway has a development API key.`;
}
