// What every page reads from the app: the configuration, the API client,
// the sign-in state, the notice and confirmation areas, and navigation.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * @typedef {object} AppContextValue
 * @property {{graphql: string, status: string, devAPIKey?: string}} config
 * @property {import('./graphql.js').GraphQL} api
 * @property {import('./auth.js').AuthState} auth the credential given and the gateway's verdict on it
 * @property {string|null} credential the credential requests carry: none while the given one is refused
 * @property {boolean} canWrite whether writes carry a credential (accepted, or still being checked)
 * @property {number} credentialGeneration grows whenever the credential requests carry changes, so reads run again
 * @property {(problem: import('./errors.js').Problem, source: string) => void} report shows a problem in the notice area
 * @property {(source: string) => void} clear removes the notice if source raised it
 * @property {(text: string) => void} confirm says politely, for a few seconds, that something succeeded ("Saved")
 * @property {() => void} openSignIn shows the key input and focuses it
 * @property {number} blockedUntil until when (ms since the epoch) writes wait, after a rate limit
 * @property {{key: string, focused: {current: string}}} navigation the hash location now, and the last one whose page heading took the focus
 */

/** @type {import('preact').Context<AppContextValue|null>} */
export const AppContext = createContext(null);

/**
 * The app's shared state; only inside <AppContext.Provider>.
 * @returns {AppContextValue}
 */
export function useApp() {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside AppContext');
  return app;
}
