// The server's configuration for the web app, from /app/config.json.

/** @typedef {{graphql: string, status: string, devAPIKey?: string}} Config */

const DEFAULTS = { graphql: '/graphql', status: '/app/status.json' };

/**
 * Reads the configuration; paths it leaves out take their defaults.
 * @param {string} [url]
 * @returns {Promise<Config>}
 * @throws {Error} when it cannot be read
 */
export async function loadConfig(url = '/app/config.json') {
  const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const body = await res.json();
  return {
    graphql: typeof body.graphql === 'string' && body.graphql ? body.graphql : DEFAULTS.graphql,
    status: typeof body.status === 'string' && body.status ? body.status : DEFAULTS.status,
    ...(typeof body.devAPIKey === 'string' && body.devAPIKey ? { devAPIKey: body.devAPIKey } : {}),
  };
}
