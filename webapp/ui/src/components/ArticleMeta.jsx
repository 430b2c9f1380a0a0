// An article's author, tags, times and version.
import { Time } from './Time.jsx';

/**
 * An article's facts as a description list.
 * @param {{article: import('../articles.js').Article}} props
 */
export function ArticleMeta({ article }) {
  return (
    <dl class="article-meta-list">
      <div>
        <dt>Author</dt>
        <dd>{article.author || '—'}</dd>
      </div>
      <div>
        <dt>Tags</dt>
        <dd>
          {article.tags.length
            ? article.tags.map((t) => (
                <span class="tag" key={t}>
                  {t}
                </span>
              ))
            : '—'}
        </dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd><Time value={article.createdAt} /></dd>
      </div>
      <div>
        <dt>Updated</dt>
        <dd><Time value={article.updatedAt} /></dd>
      </div>
      <div>
        <dt>Version</dt>
        <dd>{article.version}</dd>
      </div>
    </dl>
  );
}
