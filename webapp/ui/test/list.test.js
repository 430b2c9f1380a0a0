import { describe, expect, it } from 'vitest';
import { emptyList, listPath, parseListParams } from '../src/list-params.js';
import { hashLocation } from '../src/router.js';
import { listQuery, parseTags } from '../src/articles.js';
import { lastRuns, latest, syncSummary, formatNumber } from '../src/status/format.js';

describe('list state in the hash', () => {
  it.each([
    ['', { page: 1, author: '', tag: '', q: '' }, '/'],
    ['page=2&author=x&tag=y&q=z', { page: 2, author: 'x', tag: 'y', q: 'z' }, '/?page=2&author=x&tag=y&q=z'],
    ['page=0', { page: 1, author: '', tag: '', q: '' }, '/'],
    ['page=abc&q=a%20b', { page: 1, author: '', tag: '', q: 'a b' }, '/?q=a+b'],
  ])('%s', (search, params, path) => {
    expect(parseListParams(search)).toEqual(params);
    expect(listPath(params)).toBe(path);
  });
});

describe('emptyList', () => {
  const p = (extra) => ({ page: 1, author: '', tag: '', q: '', ...extra });
  it.each([
    ['nothing yet', p(), { message: 'No articles yet.', firstPage: null, clearFilters: null }],
    ['filters that match nothing', p({ tag: 'go' }), { message: 'No articles match these filters.', firstPage: null, clearFilters: '/' }],
    ['a page past the last', p({ page: 5 }), { message: 'There are no articles on page 5.', firstPage: '/', clearFilters: null }],
    [
      'a filtered page past the last',
      p({ page: 5, author: 'ada' }),
      { message: 'There are no articles on page 5.', firstPage: '/?author=ada', clearFilters: '/' },
    ],
  ])('%s', (_name, params, want) => expect(emptyList(params)).toEqual(want));
});

it.each([
  ['#/?page=2', '/?page=2'],
  ['#/articles/3', '/articles/3'],
  ['', '/'],
])('hashLocation(%j) = %j', (hash, want) => expect(hashLocation(hash)).toBe(want));

describe('listQuery', () => {
  it('sends only the filters in use', () => {
    expect(listQuery({ author: '', tag: '', q: '' }).query).not.toMatch(/\$(author|tag|search)/);
    const { query, variables } = listQuery({ author: 'ada', tag: '', q: 'x' });
    expect(query).toContain('author: $author');
    expect(query).toContain('search: $search');
    expect(query).not.toContain('tag:');
    expect(variables).toEqual({ author: 'ada', search: 'x' });
  });
});

it('parseTags', () => {
  expect(parseTags(' go, news ,, ,rust ')).toEqual(['go', 'news', 'rust']);
  expect(parseTags('')).toEqual([]);
});

describe('status words', () => {
  it.each([
    [[{ name: 'A', role: 'source', articles: 12 }, { name: 'B', role: 'replica', articles: 12 }], 'in sync'],
    [[{ name: 'A', role: 'source', articles: 12 }, { name: 'B', role: 'replica', articles: 11 }], 'B is 1 behind'],
    [[{ name: 'A', role: 'source', articles: 12 }, { name: 'B', role: 'replica', articles: 11, error: 'unavailable' }], 'cannot compare A and B'],
    [[{ name: 'A', role: 'source', articles: 12 }], ''],
  ])('syncSummary %#', (dbs, want) => expect(syncSummary(dbs)).toBe(want));

  it('latest skips nulls', () => {
    expect(latest([1, 2, null])).toBe(2);
    expect(latest([null])).toBeNull();
    expect(latest(undefined)).toBeNull();
  });

  it('formatNumber', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.0512345)).toBe('0.0512');
    expect(formatNumber(null)).toBe('—');
  });

  it('lastRuns keeps the latest run of each pipeline', () => {
    const runs = [
      { pipeline: 'export', started: '2026-12-02T15:58:00Z', outcome: 'failure' },
      { pipeline: 'export', started: '2026-12-02T15:59:00Z', outcome: 'success' },
      { pipeline: 'backfill', started: '2026-12-02T15:00:00Z', outcome: 'success' },
    ];
    expect(lastRuns(runs).map((r) => `${r.pipeline}:${r.outcome}`)).toEqual(['backfill:success', 'export:success']);
    expect(lastRuns(null)).toEqual([]);
  });
});
