// The notice: the latest problem, over the top of the page, announced
// (role=alert), counting down Retry-After.
import { useApp } from '../context.js';
import { messageWithTimeLeft } from '../errors.js';
import { useSecondsLeft } from '../hooks.js';

/**
 * @param {{notice: {problem: import('../errors.js').Problem, at: number}|null, onDismiss: () => void}} props
 */
export function Notice({ notice, onDismiss }) {
  const problem = notice?.problem;
  const until = problem?.retryAfterSeconds ? notice.at + problem.retryAfterSeconds * 1000 : 0;
  const left = useSecondsLeft(until);
  const { credential, openSignIn } = useApp();
  return (
    <div class={problem ? 'notice-area shown' : 'notice-area'}>
      <div id="notice" role="alert" data-kind={problem?.kind} class={problem ? 'notice' : 'notice empty'}>
        {problem ? messageWithTimeLeft(problem, left) : ''}
      </div>
      {problem && (
        <div class="notice-actions">
          {(problem.kind === 'unauthenticated' || (problem.kind === 'forbidden' && !credential)) && (
            <button type="button" class="outline" onClick={openSignIn}>
              Enter a key
            </button>
          )}
          <button type="button" class="outline secondary" onClick={onDismiss} aria-label="Dismiss the notice">
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
