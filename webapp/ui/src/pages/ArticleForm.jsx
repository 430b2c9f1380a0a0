// The create and edit form. Editing saves against the version the form was
// opened with, so a change by someone else is a conflict the user resolves,
// never an overwrite.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useApp } from '../context.js';
import { createArticle, getArticle, parseTags, updateArticle, watchArticles } from '../articles.js';
import { withoutField } from '../errors.js';
import { usePageHeading, useQuery, useSecondsLeft, useTitle } from '../hooks.js';
import { navigate } from '../router.js';
import { WriteNote } from '../components/WriteNote.jsx';

const EMPTY = { title: '', content: '', author: '', tags: '' };

const FIELDS = [
  { name: 'title', label: 'Title', hint: '1–200 characters (surrounding spaces do not count); no control characters.' },
  { name: 'content', label: 'Content', hint: 'At most 100 KiB; no control characters other than tab and line breaks.', multiline: true },
  { name: 'author', label: 'Author', hint: 'At most 100 characters.' },
  { name: 'tags', label: 'Tags', hint: 'Comma-separated, e.g. “go, news”: at most 20 distinct tags of at most 32 characters each.' },
];

/** @param {import('../articles.js').Article} a */
const valuesOf = (a) => ({ title: a.title, content: a.content, author: a.author, tags: a.tags.join(', ') });

/**
 * @typedef {{from: number, now?: number, deleted: boolean}} Conflict
 */

/**
 * The create (#/new) and edit (#/articles/:id/edit) form.
 * @param {{id?: string}} props without id: a new article
 */
export function ArticleForm({ id }) {
  const editing = id != null;
  const { api, report, clear, confirm, canWrite, blockedUntil } = useApp();
  const blocked = useSecondsLeft(blockedUntil) > 0;
  const { data: loaded, problem: loadProblem } = useQuery(
    (signal) => (editing ? getArticle(api, id, { signal }) : Promise.resolve(undefined)),
    [id],
    { inline: ['not_found', 'bad_request', 'invalid'] },
  );

  const [values, setValues] = useState(EMPTY);
  const [base, setBase] = useState(/** @type {number|null} */ (null));
  const [fieldErrors, setFieldErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [conflict, setConflict] = useState(/** @type {Conflict|null} */ (null));
  const [saving, setSaving] = useState(false);
  const form = useRef(/** @type {HTMLFormElement|null} */ (null));

  useTitle(editing ? (loaded ? `Edit “${loaded.title}”` : 'Edit article') : 'New article');
  // Editing, the heading waits for the article: it may be "not found" instead.
  const heading = usePageHeading(!editing || loaded !== undefined || loadProblem != null);

  // The form starts from the article once, as first loaded; later changes
  // are conflicts, not silent replacements of what the user typed.
  useEffect(() => {
    if (loaded && base == null) {
      setValues(valuesOf(loaded));
      setBase(loaded.version);
    }
  }, [loaded]);

  // Changes seen while a save is in flight may be the save's own; they are
  // judged once it is known whether the save went through.
  const baseRef = useRef(base);
  baseRef.current = base;
  const held = useRef(/** @type {import('../articles.js').ArticleChange[]|null} */ (null));
  const noteChange = (change) => {
    const from = baseRef.current;
    if (from == null || change.version <= from) return;
    setConflict((c) => ({ from, now: Math.max(change.version, c?.now ?? 0), deleted: change.type === 'DELETED' || c?.deleted === true }));
  };
  useEffect(() => {
    if (!editing) return undefined;
    return watchArticles(
      api,
      id,
      (change) => {
        clear('live-form');
        if (held.current) held.current.push(change);
        else noteChange(change);
      },
      (p) => report(p, 'live-form'),
    );
  }, [id]);

  const save = async (e) => {
    e.preventDefault();
    const input = { title: values.title, content: values.content, author: values.author, tags: parseTags(values.tags) };
    setSaving(true);
    held.current = [];
    try {
      const saved = editing ? await updateArticle(api, id, input, base) : await createArticle(api, input);
      held.current = null;
      clear('save');
      navigate(`/articles/${saved.id}`);
      confirm(editing ? 'Saved' : 'Article created');
      return;
    } catch (err) {
      if (!err.problem) throw err;
      const p = err.problem;
      if (p.kind === 'invalid' && p.fields) {
        setFieldErrors(p.fields);
        clear('save');
        const first = FIELDS.find((f) => p.fields[f.name]);
        if (first) form.current?.querySelector(`#${first.name}`)?.focus();
      } else if (p.kind === 'conflict') {
        setFieldErrors({});
        await showConflict();
      } else {
        report(p, 'save');
      }
    } finally {
      setSaving(false);
    }
    const pending = held.current ?? [];
    held.current = null;
    pending.forEach(noteChange);
  };

  /** Finds out what the article is now, to say it in the conflict. */
  const showConflict = async () => {
    const from = base ?? 0;
    try {
      const now = await getArticle(api, id);
      setConflict({ from, now: now?.version, deleted: now == null });
    } catch {
      setConflict((c) => c ?? { from, deleted: false });
    }
  };

  /** Replaces the form with the article as it is now, as the user asked. */
  const reloadArticle = async () => {
    try {
      const now = await getArticle(api, id);
      if (!now) {
        setConflict({ from: base ?? 0, deleted: true });
        return;
      }
      setValues(valuesOf(now));
      setBase(now.version);
      setFieldErrors({});
      setConflict(null);
      form.current?.querySelector('#title')?.focus();
    } catch (err) {
      if (!err.problem) throw err;
      report(err.problem, 'save');
    }
  };

  if (editing && loaded === null) {
    return (
      <section>
        <h1 ref={heading}>Article not found</h1>
        <p>There is no article {id} to edit; it may have been deleted.</p>
        <p><Link href="/">Back to the articles</Link></p>
      </section>
    );
  }
  if (editing && loadProblem && !loaded && ['not_found', 'bad_request', 'invalid'].includes(loadProblem.kind)) {
    return (
      <section>
        <h1 ref={heading}>Article not found</h1>
        <p>{loadProblem.message}</p>
        <p><Link href="/">Back to the articles</Link></p>
      </section>
    );
  }
  const ready = !editing || base != null;

  return (
    <section aria-labelledby="form-heading">
      <h1 id="form-heading" ref={heading}>{editing ? 'Edit article' : 'New article'}</h1>
      <WriteNote />
      {conflict && <ConflictNotice conflict={conflict} onReload={reloadArticle} />}
      <form ref={form} onSubmit={save} noValidate aria-busy={ready ? 'false' : 'true'} class="article-form">
        {FIELDS.map((f) => (
          <Field
            key={f.name}
            field={f}
            value={values[f.name]}
            error={fieldErrors[f.name]}
            disabled={!ready}
            onInput={(v) => {
              setValues((old) => ({ ...old, [f.name]: v }));
              setFieldErrors((old) => withoutField(old, f.name));
            }}
          />
        ))}
        <div class="actions">
          <button
            id="save"
            type="submit"
            disabled={!ready || saving || blocked}
            aria-busy={saving ? 'true' : 'false'}
            aria-describedby={canWrite ? undefined : 'write-note'}
          >
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Create article'}
          </button>
          <Link href={editing ? `/articles/${id}` : '/'} class="secondary cancel-link">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}

/** A labelled input with its hint and, under it, the API's reason for refusing it. */
function Field({ field, value, error, disabled, onInput }) {
  const { name, label, hint, multiline } = field;
  const props = {
    id: name,
    name,
    value,
    disabled,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': `${name}-error ${name}-hint`,
    'aria-required': name === 'title' ? 'true' : undefined,
    onInput: (e) => onInput(e.currentTarget.value),
  };
  return (
    <div class="field">
      <label for={name}>{label}</label>
      {multiline ? <textarea rows={10} {...props} /> : <input type="text" autocomplete="off" {...props} />}
      <small id={`${name}-error`} class="field-error">{error ?? ''}</small>
      <small id={`${name}-hint`} class="hint">{hint}</small>
    </div>
  );
}

/** Says that someone else changed (or deleted) the article since the form opened. */
function ConflictNotice({ conflict, onReload }) {
  if (conflict.deleted) {
    return (
      <div id="conflict" role="alert" class="conflict">
        <p>
          This article was deleted by someone else since you opened it (you started from version {conflict.from}), so it cannot be
          saved. Your text is still below if you want to copy it.
        </p>
        <Link href="/">Back to the articles</Link>
      </div>
    );
  }
  const now = conflict.now != null ? `it is now version ${conflict.now}` : 'it is now a later version';
  return (
    <div id="conflict" role="alert" class="conflict">
      <p>
        This article was changed by someone else since you opened it (you started from version {conflict.from}; {now}). Your edits are
        kept until you choose to reload.
      </p>
      <button id="conflict-reload" type="button" class="secondary" onClick={onReload}>
        Reload the article
      </button>
    </div>
  );
}
