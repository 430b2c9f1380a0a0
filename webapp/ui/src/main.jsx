// Starts the web app: reads the configuration, then renders.
import { render } from 'preact';
import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { loadConfig } from './config.js';
import { createGraphQL, socketURL } from './graphql.js';
import { App } from './app.jsx';
import { loadCredential } from './session.js';

const root = /** @type {HTMLElement} */ (document.getElementById('app'));

async function start() {
  let config;
  try {
    config = await loadConfig();
  } catch {
    root.innerHTML =
      '<main class="container" id="main"><h1>ArticleKit</h1><p role="alert" id="notice" data-kind="network">Cannot reach the server: the web app\'s configuration could not be read. Reload the page to try again.</p></main>';
    document.body.dataset.ready = 'true';
    return;
  }
  const api = createGraphQL({
    url: config.graphql,
    socketUrl: socketURL(config.graphql, location),
    credential: loadCredential(sessionStorage, config.devAPIKey),
  });
  render(<App config={config} api={api} storage={sessionStorage} />, root);
  // Rendering is synchronous: the first render is on the page now.
  document.body.dataset.ready = 'true';
}

start();
