// The articles API's operations, as functions over a GraphQL client.

const FIELDS = 'id title content author tags createdAt updatedAt version';
const CHANGE = `type id version article { ${FIELDS} }`;

/** @typedef {{id: string, title: string, content: string, author: string, tags: string[], createdAt: string, updatedAt: string, version: number}} Article */
/** @typedef {{type: 'CREATED'|'UPDATED'|'DELETED', id: string, version: number, article: Article|null}} ArticleChange */
/** @typedef {{author: string, tag: string, q: string}} Filters */

/** The page size of the article list. */
export const PAGE_SIZE = 20;

/**
 * The getArticles query for these filters. Only filters in use are sent,
 * so a server without `search` still answers unsearched lists.
 * @param {Filters} filters
 * @returns {{query: string, variables: Record<string, unknown>}}
 */
export function listQuery(filters) {
  const params = ['$limit: Int', '$offset: Int'];
  const args = ['limit: $limit', 'offset: $offset'];
  /** @type {Record<string, unknown>} */
  const variables = {};
  for (const [name, arg, value] of [
    ['author', 'author', filters.author],
    ['tag', 'tag', filters.tag],
    ['search', 'search', filters.q],
  ]) {
    if (!value) continue;
    params.push(`$${name}: String`);
    args.push(`${arg}: $${name}`);
    variables[name] = value;
  }
  return {
    query: `query Articles(${params.join(', ')}) { getArticles(${args.join(', ')}) { ${FIELDS} } }`,
    variables,
  };
}

/**
 * One page of the list, and whether a next page exists (one more is asked
 * for, since the API has no total count).
 * @param {import('./graphql.js').GraphQL} api
 * @param {Filters} filters
 * @param {number} page 1-based
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<{articles: Article[], hasNext: boolean}>}
 */
export async function listArticles(api, filters, page, options) {
  const { query, variables } = listQuery(filters);
  const data = await api.request(
    query,
    { ...variables, limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE },
    options,
  );
  const all = data.getArticles ?? [];
  return { articles: all.slice(0, PAGE_SIZE), hasNext: all.length > PAGE_SIZE };
}

/**
 * @param {import('./graphql.js').GraphQL} api
 * @param {string} id
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<Article|null>}
 */
export async function getArticle(api, id, options) {
  const data = await api.request(`query Article($id: ID!) { getArticle(id: $id) { ${FIELDS} } }`, { id }, options);
  return data.getArticle ?? null;
}

/**
 * @param {import('./graphql.js').GraphQL} api
 * @param {{title: string, content: string, author: string, tags: string[]}} input
 * @returns {Promise<Article>}
 */
export async function createArticle(api, input) {
  const data = await api.request(
    `mutation Create($input: ArticleInput!) { createArticle(input: $input) { ${FIELDS} } }`,
    { input },
  );
  return data.createArticle;
}

/**
 * Replaces an article, only if it is still at expectedVersion.
 * @param {import('./graphql.js').GraphQL} api
 * @param {string} id
 * @param {{title: string, content: string, author: string, tags: string[]}} input
 * @param {number} expectedVersion
 * @returns {Promise<Article>}
 */
export async function updateArticle(api, id, input, expectedVersion) {
  const data = await api.request(
    `mutation Update($id: ID!, $input: ArticleInput!, $expectedVersion: Int) { updateArticle(id: $id, input: $input, expectedVersion: $expectedVersion) { ${FIELDS} } }`,
    { id, input, expectedVersion },
  );
  return data.updateArticle;
}

/**
 * @param {import('./graphql.js').GraphQL} api
 * @param {string} id
 * @returns {Promise<boolean>} whether there was one to delete
 */
export async function deleteArticle(api, id) {
  const data = await api.request('mutation Delete($id: ID!) { deleteArticle(id: $id) }', { id });
  return data.deleteArticle;
}

/**
 * Subscribes to committed changes: every article's, or one article's.
 * @param {import('./graphql.js').GraphQL} api
 * @param {string|null} id
 * @param {(change: ArticleChange) => void} onChange
 * @param {(problem: import('./errors.js').Problem) => void} onError
 * @returns {() => void} unsubscribe
 */
export function watchArticles(api, id, onChange, onError) {
  const query = id
    ? `subscription Watch($id: ID) { articleChanged(id: $id) { ${CHANGE} } }`
    : `subscription WatchAll { articleChanged { ${CHANGE} } }`;
  return api.subscribe(query, id ? { id } : {}, {
    next: (data) => data.articleChanged && onChange(data.articleChanged),
    error: onError,
  });
}

/**
 * Tags as typed, comma-separated: trimmed, blanks dropped, order kept.
 * @param {string} text
 * @returns {string[]}
 */
export function parseTags(text) {
  return String(text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}
