// The shell: header with navigation and sign-in, the notice and
// confirmation bar, and the routes. It owns the sign-in state, the notice
// and the confirmation.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { AppContext, useApp } from './context.js';
import { useHashPath } from './router.js';
import { forgetCredential, loadCredential, saveCredential } from './session.js';
import { authReducer, canWrite, initialAuth, requestCredential } from './auth.js';
import { SignIn } from './components/SignIn.jsx';
import { Notice } from './components/Notice.jsx';
import { ArticleList } from './pages/ArticleList.jsx';
import { ArticlePage } from './pages/ArticlePage.jsx';
import { ArticleForm } from './pages/ArticleForm.jsx';
import { StatusPage } from './pages/StatusPage.jsx';
import { NotFound } from './pages/NotFound.jsx';

/** How long a confirmation ("Saved") stays shown. */
const CONFIRMATION_MS = 5000;

/**
 * @param {{config: import('./context.js').AppContextValue['config'], api: import('./graphql.js').GraphQL, storage: Storage}} props
 */
export function App({ config, api, storage }) {
  const [auth, setAuth] = useState(() => initialAuth(loadCredential(storage, config.devAPIKey)));
  const authRef = useRef(auth);
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState(/** @type {{problem: import('./errors.js').Problem, source: string, at: number}|null} */ (null));
  const [confirmation, setConfirmation] = useState(/** @type {{text: string, at: number}|null} */ (null));
  const [signInRequest, setSignInRequest] = useState(0);

  const report = useCallback((problem, source) => setNotice({ problem, source, at: Date.now() }), []);
  const clear = useCallback((source) => setNotice((n) => (n && (source === '*' || n.source === source) ? null : n)), []);
  const confirm = useCallback((text) => setConfirmation({ text, at: Date.now() }), []);
  const openSignIn = useCallback(() => setSignInRequest((n) => n + 1), []);

  useEffect(() => {
    if (!confirmation) return undefined;
    const t = setTimeout(() => setConfirmation(null), CONFIRMATION_MS);
    return () => clearTimeout(t);
  }, [confirmation]);

  // The client takes the credential requests carry before the pages render
  // again, so the reads they start carry it; a change of it reads again.
  const dispatch = useCallback((/** @type {import('./auth.js').AuthEvent} */ event) => {
    const before = authRef.current;
    const next = authReducer(before, event);
    if (next === before) return;
    authRef.current = next;
    const credential = requestCredential(next);
    if (credential !== requestCredential(before)) {
      api.setCredential(credential);
      setGeneration((g) => g + 1);
    }
    setAuth(next);
  }, []);

  useEffect(() => api.watchVerdicts(dispatch), []);

  const signIn = useCallback((value) => {
    saveCredential(storage, value);
    dispatch({ type: 'signIn', credential: value });
    setNotice(null);
  }, []);
  const signOut = useCallback(() => {
    forgetCredential(storage);
    dispatch({ type: 'signOut' });
  }, []);

  const blockedUntil =
    notice?.problem.kind === 'rate_limited' ? notice.at + (notice.problem.retryAfterSeconds ?? 0) * 1000 : 0;

  // Every path or query is a navigation: its page's heading takes the focus
  // once shown (usePageHeading), except on the first load.
  const [location] = useHashLocation();
  const focused = useRef(location);
  const navigation = useMemo(() => ({ key: location, focused }), [location]);

  const value = useMemo(
    () => ({
      config,
      api,
      auth,
      credential: requestCredential(auth),
      canWrite: canWrite(auth),
      credentialGeneration: generation,
      report,
      clear,
      confirm,
      openSignIn,
      blockedUntil,
      navigation,
    }),
    [auth, generation, blockedUntil, navigation],
  );

  return (
    <AppContext.Provider value={value}>
      <Router hook={useHashPath}>
        <Shell
          notice={notice}
          confirmation={confirmation?.text ?? ''}
          onDismiss={() => setNotice(null)}
          signIn={signIn}
          signOut={signOut}
          signInRequest={signInRequest}
        />
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

function Shell({ notice, confirmation, onDismiss, signIn, signOut, signInRequest }) {
  const [path] = useLocation();
  const { clear } = useApp();
  const main = useRef(/** @type {HTMLElement|null} */ (null));

  // A notice is about the page it was raised on.
  useEffect(() => clear('*'), [path]);

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
        <SignIn onSignIn={signIn} onSignOut={signOut} openRequest={signInRequest} />
      </header>
      {/* Over the top of the page rather than in its flow, so that a notice
          neither moves the page nor leaves a gap when there is none. */}
      <div class="messages">
        <div class="container messages-inner">
          <Notice notice={notice} onDismiss={onDismiss} />
          <p id="confirmation" role="status" class={confirmation ? 'confirmation' : 'confirmation empty'}>
            {confirmation}
          </p>
        </div>
      </div>
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
