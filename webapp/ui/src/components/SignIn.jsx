// The sign-in control: one input for an API key or a JWT, kept for the
// session.
import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { isJWT, normalizeCredential } from '../session.js';

/**
 * @param {{onSignIn: (credential: string) => void, onSignOut: () => void}} props
 */
export function SignIn({ onSignIn, onSignOut }) {
  const { credential, config } = useApp();
  const [value, setValue] = useState(credential ?? config.devAPIKey ?? '');
  useEffect(() => setValue(credential ?? config.devAPIKey ?? ''), [credential]);

  const submit = (e) => {
    e.preventDefault();
    const c = normalizeCredential(value);
    if (c) onSignIn(c);
  };

  const state = credential
    ? isJWT(credential)
      ? 'Signed in with a JWT'
      : 'Signed in with an API key'
    : 'Read-only: browsing without a key';

  return (
    <form class="signin" onSubmit={submit} aria-label="Sign in">
      <div class="signin-row">
        <label for="signin-key">API key or JWT</label>
        <input
          id="signin-key"
          name="credential"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          aria-describedby="signin-state"
        />
        <button id="signin-submit" type="submit">Sign in</button>
        {credential && (
          <button id="signout" type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </div>
      <small id="signin-state" class="signin-state" aria-live="polite">{state}</small>
    </form>
  );
}
