// Says up front, where writing starts, that writing needs a key: without
// one the forms and buttons still work, but the gateway refuses the write.
import { useApp } from '../context.js';

/**
 * "Sign in with an API key to write", with a way to the key box; nothing
 * while a credential is in use. Controls it concerns point to it with
 * aria-describedby="write-note".
 */
export function WriteNote() {
  const { canWrite, openSignIn } = useApp();
  if (canWrite) return null;
  return (
    <p id="write-note" class="write-note">
      Sign in with an API key to write.{' '}
      <button type="button" class="link-button" onClick={openSignIn}>
        Enter a key
      </button>
    </p>
  );
}
