// A modal yes/no question on <dialog>: the browser traps focus in it,
// Escape cancels, and focus returns to where it was.
import { useEffect, useRef } from 'preact/hooks';

/**
 * @param {{id: string, open: boolean, title: string, children: any, yes: string, no: string, busy?: boolean, onYes: () => void, onNo: () => void}} props
 *   the buttons are `${id}-yes` and `${id}-no`
 */
export function ConfirmDialog({ id, open, title, children, yes, no, busy = false, onYes, onNo }) {
  const dialog = useRef(/** @type {HTMLDialogElement|null} */ (null));
  const noButton = useRef(/** @type {HTMLButtonElement|null} */ (null));
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // Start on the safe answer.
      noButton.current?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  return (
    <dialog
      id={id}
      ref={dialog}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
        e.preventDefault();
        onNo();
      }}
    >
      <article>
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-body`}>{children}</div>
        <footer>
          <button id={`${id}-no`} ref={noButton} type="button" class="secondary" onClick={onNo}>
            {no}
          </button>
          <button id={`${id}-yes`} type="button" class="danger" onClick={onYes} disabled={busy} aria-busy={busy ? 'true' : 'false'}>
            {yes}
          </button>
        </footer>
      </article>
    </dialog>
  );
}
