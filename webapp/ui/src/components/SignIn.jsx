// The sign-in area: the development banner, what the gateway made of the
// credential, and one input for an API key or a JWT, kept for the session.
// Signed in, the input waits behind "Use another key"; on phones the area
// folds into a "Key" button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { authWords, canWrite, devBannerText } from '../auth.js';
import { normalizeCredential } from '../session.js';

/** The state on the folded area's button. */
const SHORT = { anonymous: 'none', checking: 'checking…', accepted: 'signed in', refused: 'refused' };

/**
 * @param {{onSignIn: (credential: string) => void, onSignOut: () => void, openRequest: number}} props
 *   openRequest: grows when something asks for the key input (a notice's "Enter a key")
 */
export function SignIn({ onSignIn, onSignOut, openRequest }) {
  const { auth, config } = useApp();
  const given = auth.credential ?? config.devAPIKey ?? '';
  // A refused key stays in the box, to be corrected.
  const [value, setValue] = useState(given);
  useEffect(() => setValue(given), [auth.credential]);
  const [changing, setChanging] = useState(false);
  const [open, setOpen] = useState(false);
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  const wantFocus = useRef(false);

  const signedIn = canWrite(auth);
  const refused = auth.status === 'refused';
  const editing = !signedIn || changing;

  const reveal = (/** @type {boolean} */ another) => {
    setOpen(true);
    if (another) {
      setChanging(true);
      setValue('');
    }
    wantFocus.current = true;
  };
  useEffect(() => {
    if (openRequest) reveal(signedIn);
  }, [openRequest]);
  useEffect(() => {
    if (refused) setOpen(true);
  }, [refused]);
  // The input (and, on phones, the area) appears on a render after it is
  // asked for: tried on each render until it takes the focus.
  useEffect(() => {
    if (!wantFocus.current || !input.current) return;
    input.current.focus();
    if (document.activeElement === input.current) wantFocus.current = false;
  });

  const submit = (e) => {
    e.preventDefault();
    const c = normalizeCredential(value);
    if (!c) return;
    setChanging(false);
    onSignIn(c);
  };
  const cancel = () => {
    setChanging(false);
    setValue(given);
  };

  return (
    <div class="signin-area">
      {config.devAPIKey && (
        <p id="dev-banner" class="dev-banner">
          {devBannerText(auth, config.devAPIKey, value)}
        </p>
      )}
      <button
        type="button"
        class="signin-toggle outline secondary"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="signin-panel"
        onClick={() => setOpen(!open)}
      >
        Key: {SHORT[auth.status]}
      </button>
      <div id="signin-panel" class={open ? 'signin open' : 'signin'}>
        <small id="signin-state" class="signin-state" aria-live="polite">
          {refused ? '' : authWords(auth)}
        </small>
        {editing ? (
          <form class="signin-row" onSubmit={submit} aria-label="Sign in">
            <label for="signin-key">API key or JWT</label>
            <input
              id="signin-key"
              ref={input}
              name="credential"
              type="password"
              autocomplete="off"
              spellcheck={false}
              value={value}
              onInput={(e) => setValue(e.currentTarget.value)}
              aria-invalid={refused ? 'true' : undefined}
              aria-describedby="signin-state signin-error"
            />
            <button id="signin-submit" type="submit">Sign in</button>
            {changing && (
              <button type="button" class="secondary outline" onClick={cancel}>
                Cancel
              </button>
            )}
          </form>
        ) : (
          <div class="signin-row">
            <button id="signout" type="button" class="secondary" onClick={onSignOut}>
              Sign out
            </button>
            <button id="signin-change" type="button" class="secondary outline" onClick={() => reveal(true)}>
              Use another key
            </button>
          </div>
        )}
      </div>
      <p id="signin-error" class={refused ? 'signin-error' : 'signin-error empty'} role="alert">
        {refused ? `${authWords(auth)}. Check it and sign in again; until then, reads go without it.` : ''}
      </p>
    </div>
  );
}
