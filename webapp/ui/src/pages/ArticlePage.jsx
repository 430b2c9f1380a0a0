// One article, kept current by its own subscription, with Edit and Delete.
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useApp } from '../context.js';
import { deleteArticle, getArticle, watchArticles } from '../articles.js';
import { usePageHeading, useQuery, useSecondsLeft, useTitle } from '../hooks.js';
import { navigate } from '../router.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { ArticleMeta } from '../components/ArticleMeta.jsx';
import { LiveState } from '../components/LiveState.jsx';
import { WriteNote } from '../components/WriteNote.jsx';

/** Failures after which the page keeps waiting for the article: they are retried. */
const RETRIED = ['rate_limited', 'unavailable', 'network'];

/**
 * The article page (#/articles/:id).
 * @param {{id: string}} props
 */
export function ArticlePage({ id }) {
  const { api, report, clear, confirm, canWrite, blockedUntil } = useApp();
  const blocked = useSecondsLeft(blockedUntil) > 0;
  const { data: article, problem, setData } = useQuery((signal) => getArticle(api, id, { signal }), [id], {
    inline: ['not_found', 'bad_request', 'invalid'],
  });
  const [deleted, setDeleted] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);

  useTitle(article ? article.title : article === null ? 'Article not found' : 'Article');
  const missing = article === null || Boolean(problem && !article && !RETRIED.includes(problem.kind));
  const heading = usePageHeading(missing || Boolean(article));

  useEffect(
    () =>
      watchArticles(
        api,
        id,
        (change) => {
          clear('live-article');
          if (change.type === 'DELETED' || !change.article) setDeleted(true);
          else setData((cur) => (!cur || change.version > cur.version ? change.article : cur));
        },
        (p) => report(p, 'live-article'),
      ),
    [id],
  );

  const remove = async () => {
    setDeleting(true);
    try {
      await deleteArticle(api, id);
      setConfirming(false);
      navigate('/');
      confirm('Deleted');
    } catch (err) {
      setConfirming(false);
      if (!err.problem) throw err;
      report(err.problem, 'delete');
    } finally {
      setDeleting(false);
    }
  };

  if (missing) {
    return (
      <section>
        <h1 ref={heading}>Article not found</h1>
        <p>{article === null ? `There is no article ${id}; it may have been deleted.` : problem?.message}</p>
        <p><Link href="/">Back to the articles</Link></p>
      </section>
    );
  }
  if (!article) {
    return (
      <section aria-busy="true">
        <h1>Article</h1>
        <p>Loading…</p>
      </section>
    );
  }

  return (
    <article id="article" data-version={article.version} data-deleted={deleted ? 'true' : undefined} class={deleted ? 'article deleted' : 'article'}>
      <header>
        <h1 ref={heading}>{deleted ? <s>{article.title}</s> : article.title}</h1>
        <ArticleMeta article={article} />
        <LiveState />
        <div class="article-state" role="status">
          {deleted && <strong>This article was deleted.</strong>}
        </div>
      </header>
      <div class="article-content">{article.content || <em>No content.</em>}</div>
      <footer class="actions">
        {deleted ? (
          <Link href="/" class="secondary">Back to the articles</Link>
        ) : (
          <>
            <Link id="edit" href={`/articles/${id}/edit`} role="button" class="secondary" aria-describedby={canWrite ? undefined : 'write-note'}>
              Edit
            </Link>
            <button
              id="delete"
              type="button"
              class="danger"
              disabled={blocked}
              aria-describedby={canWrite ? undefined : 'write-note'}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
            <WriteNote />
          </>
        )}
      </footer>
      <ConfirmDialog
        id="confirm-delete"
        open={confirming}
        title="Delete this article?"
        yes="Delete"
        no="Cancel"
        busy={deleting}
        onYes={remove}
        onNo={() => setConfirming(false)}
      >
        <p>
          “{article.title}” will be deleted for everyone. This cannot be undone.
        </p>
      </ConfirmDialog>
    </article>
  );
}
