// What every page reads from the app: the configuration, the API client,
// the credential, and the notice area.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * @typedef {object} AppContextValue
 * @property {{graphql: string, status: string, devAPIKey?: string}} config
 * @property {import('./graphql.js').GraphQL} api
 * @property {string|null} credential
 * @property {number} credentialGeneration grows with every sign-in and sign-out, so reads run again
 * @property {(problem: import('./errors.js').Problem, source: string) => void} report shows a problem in the notice area
 * @property {(source: string) => void} clear removes the notice if source raised it
 * @property {number} blockedUntil until when (ms since the epoch) writes wait, after a rate limit
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
