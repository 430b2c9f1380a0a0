// The shell: header with navigation and sign-in, the notice area, and the
// routes. It owns the credential and the notice.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { AppContext, useApp } from './context.js';
import { useHashPath } from './router.js';
import { forgetCredential, loadCredential, saveCredential } from './session.js';
import { SignIn } from './components/SignIn.jsx';
import { Notice } from './components/Notice.jsx';
import { ArticleList } from './pages/ArticleList.jsx';
import { ArticlePage } from './pages/ArticlePage.jsx';
import { ArticleForm } from './pages/ArticleForm.jsx';
import { StatusPage } from './pages/StatusPage.jsx';
import { NotFound } from './pages/NotFound.jsx';

/**
 * @param {{config: import('./context.js').AppContextValue['config'], api: import('./graphql.js').GraphQL, storage: Storage}} props
 */
export function App({ config, api, storage }) {
  const [credential, setCredential] = useState(() => loadCredential(storage, config.devAPIKey));
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState(/** @type {{problem: import('./errors.js').Problem, source: string, at: number}|null} */ (null));

  const report = useCallback((problem, source) => setNotice({ problem, source, at: Date.now() }), []);
  const clear = useCallback((source) => setNotice((n) => (n && (source === '*' || n.source === source) ? null : n)), []);

  // The client takes the credential before the pages render again, so the
  // reads they start carry it.
  const signIn = useCallback((value) => {
    saveCredential(storage, value);
    api.setCredential(value);
    setCredential(value);
    setGeneration((g) => g + 1);
    setNotice(null);
  }, []);
  const signOut = useCallback(() => {
    forgetCredential(storage);
    api.setCredential(null);
    setCredential(null);
    setGeneration((g) => g + 1);
  }, []);

  const blockedUntil =
    notice?.problem.kind === 'rate_limited' ? notice.at + (notice.problem.retryAfterSeconds ?? 0) * 1000 : 0;

  const value = useMemo(
    () => ({ config, api, credential, credentialGeneration: generation, report, clear, blockedUntil }),
    [credential, generation, blockedUntil],
  );

  return (
    <AppContext.Provider value={value}>
      <Router hook={useHashPath}>
        <Shell notice={notice} onDismiss={() => setNotice(null)} signIn={signIn} signOut={signOut} />
      </Router>
    </AppContext.Provider>
  );
}

/** The navigation link of a section, marked current when it is shown. */
function NavLink({ href, current, children }) {
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** Says that this is the development configuration, and what that means. */
function DevBanner({ signedIn }) {
  return (
    <p id="dev-banner" class="dev-banner">
      {signedIn
        ? 'Development configuration: signed in with the development API key, which is pre-filled in the key box.'
        : 'Development configuration: the development API key is pre-filled in the key box; press Sign in to use it.'}
    </p>
  );
}

function Shell({ notice, onDismiss, signIn, signOut }) {
  const [path] = useLocation();
  const { config, credential, clear } = useApp();
  const main = useRef(/** @type {HTMLElement|null} */ (null));
  const first = useRef(true);

  // After navigating, focus goes to the new page's heading, so keyboard and
  // screen-reader users start at the top of what changed.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    clear('*');
    const target = main.current?.querySelector('h1') ?? main.current;
    target?.setAttribute('tabindex', '-1');
    target?.focus({ preventScroll: false });
  }, [path]);

  const section = path === '/new' ? 'new' : path === '/status' ? 'status' : path === '/' || path.startsWith('/articles') ? 'articles' : '';

  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>
        Skip to content
      </a>
      <header class="site-header container">
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/" class="brand">ArticleKit</Link>
            </li>
          </ul>
          <ul>
            <li><NavLink href="/" current={section === 'articles'}>Articles</NavLink></li>
            <li><NavLink href="/new" current={section === 'new'}>New article</NavLink></li>
            <li><NavLink href="/status" current={section === 'status'}>Status</NavLink></li>
          </ul>
        </nav>
        {config.devAPIKey && <DevBanner signedIn={credential === config.devAPIKey} />}
        <SignIn onSignIn={signIn} onSignOut={signOut} />
        <Notice notice={notice} onDismiss={onDismiss} />
      </header>
      <main id="main" class="container" ref={main} tabIndex={-1}>
        <Switch>
          <Route path="/" component={ArticleList} />
          <Route path="/new">{() => <ArticleForm key="new" />}</Route>
          <Route path="/status" component={StatusPage} />
          <Route path="/articles/:id/edit">{(params) => <ArticleForm key={`edit-${params.id}`} id={params.id} />}</Route>
          <Route path="/articles/:id">{(params) => <ArticlePage key={params.id} id={params.id} />}</Route>
          <Route component={NotFound} />
        </Switch>
      </main>
    </>
  );
}
