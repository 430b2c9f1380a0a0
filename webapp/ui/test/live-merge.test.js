import { describe, expect, it } from 'vitest';
import { applyChange, applyChanges, matches, newArticlesNote, pageState } from '../src/live-merge.js';

const art = (id, version = 1, extra = {}) => ({
  id: String(id),
  title: `Title ${id}`,
  content: `Content ${id}`,
  author: 'ada',
  tags: ['go'],
  createdAt: '2026-12-02T16:00:00Z',
  updatedAt: '2026-12-02T16:00:00Z',
  version,
  ...extra,
});
const updated = (a) => ({ type: 'UPDATED', id: a.id, version: a.version, article: a });
const created = (a) => ({ type: 'CREATED', id: a.id, version: a.version, article: a });
const deleted = (id, version) => ({ type: 'DELETED', id: String(id), version, article: null });
const ids = (s) => s.rows.map((r) => `${r.article.id}@${r.article.version}${r.deleted ? 'x' : ''}`);

describe('applyChange', () => {
  const page = (n, hasNext = false, size = 3) => pageState(Array.from({ length: n }, (_, i) => art(i + 1)), hasNext, size);
  // A full page with an article created beyond it.
  const withNew = (id) => applyChange(page(3), created(art(id)), {});
  const cases = [
    { name: 'newer update replaces the row in place', state: page(3), change: updated(art(2, 2, { title: 'new' })), rows: ['1@1', '2@2', '3@1'] },
    { name: 'stale version ignored', state: applyChange(page(3), updated(art(2, 3)), {}), change: updated(art(2, 2)), rows: ['1@1', '2@3', '3@1'], same: true },
    { name: 'duplicate event ignored', state: applyChange(page(3), updated(art(2, 2)), {}), change: updated(art(2, 2)), rows: ['1@1', '2@2', '3@1'], same: true },
    { name: 'update that leaves the filter removes the row', state: page(3), filters: { author: 'ada' }, change: updated(art(2, 2, { author: 'grace' })), rows: ['1@1', '3@1'] },
    { name: 'update that leaves the search removes the row', state: page(3), filters: { q: 'title' }, change: updated(art(2, 2, { title: 'x', content: 'y', author: 'z' })), rows: ['1@1', '3@1'] },
    { name: 'update that leaves the tag removes the row', state: page(3), filters: { tag: 'go' }, change: updated(art(2, 2, { tags: ['rust'] })), rows: ['1@1', '3@1'] },
    { name: 'delete marks the row deleted in place', state: page(3), change: deleted(2, 2), rows: ['1@1', '2@2x', '3@1'] },
    { name: 'stale delete ignored', state: applyChange(page(3), updated(art(2, 5)), {}), change: deleted(2, 4), rows: ['1@1', '2@5', '3@1'], same: true },
    { name: 'delete of another page\'s article ignored', state: page(3), change: deleted(9, 2), rows: ['1@1', '2@1', '3@1'], same: true },
    { name: 'update of another page\'s article ignored', state: page(3), change: updated(art(9, 2)), rows: ['1@1', '2@1', '3@1'], same: true },
    { name: 'create on the last page with room is appended', state: page(2), change: created(art(7)), rows: ['1@1', '2@1', '7@1'], news: [] },
    { name: 'create on a full page is kept as new', state: page(3), change: created(art(7)), rows: ['1@1', '2@1', '3@1'], news: ['7@1'] },
    { name: 'create on a page that is not the last is kept as new', state: page(2, true), change: created(art(7)), rows: ['1@1', '2@1'], news: ['7@1'] },
    { name: 'new articles are kept oldest first', state: withNew(7), change: created(art(8)), news: ['7@1', '8@1'] },
    { name: 'create that does not match is ignored', state: page(2), filters: { author: 'grace' }, change: created(art(7)), rows: ['1@1', '2@1'], same: true },
    { name: 'duplicate create of a shown row ignored', state: page(2), change: created(art(2)), rows: ['1@1', '2@1'], same: true },
    { name: 'duplicate create of a new article ignored', state: withNew(7), change: created(art(7)), news: ['7@1'], same: true },
    { name: 'an update of a new article keeps it current', state: withNew(7), change: updated(art(7, 2, { title: 'Retitled' })), news: ['7@2'], titles: ['Retitled'] },
    { name: 'a stale update of a new article ignored', state: applyChange(withNew(7), updated(art(7, 3)), {}), change: updated(art(7, 2)), news: ['7@3'], same: true },
    { name: 'delete of a new article drops it', state: withNew(7), change: deleted(7, 2), news: [] },
    { name: 'a new article leaving the filter is dropped', state: withNew(7), filters: { author: 'ada' }, change: updated(art(7, 2, { author: 'bob' })), news: [] },
    { name: 'a deleted row still takes its place on the page', state: applyChange(page(3), deleted(3, 2), {}), change: created(art(7)), rows: ['1@1', '2@1', '3@2x'], news: ['7@1'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const next = applyChange(c.state, c.change, c.filters ?? {});
      if (c.rows) expect(ids(next)).toEqual(c.rows);
      if (c.news) expect(next.newArticles.map((a) => `${a.id}@${a.version}`)).toEqual(c.news);
      if (c.titles) expect(next.newArticles.map((a) => a.title)).toEqual(c.titles);
      if (c.same) expect(next).toBe(c.state);
    });
  }

  it('applies a buffered sequence in order', () => {
    const s = applyChanges(pageState([art(1), art(2)], false, 20), [updated(art(1, 2)), updated(art(1, 3)), updated(art(1, 2)), deleted(2, 2), created(art(3))], {});
    expect(ids(s)).toEqual(['1@3', '2@2x', '3@1']);
  });

  it('keeps ascending id order when appending', () => {
    const s = applyChange(pageState([art(10)], false, 20), created(art(9)), {});
    expect(ids(s)).toEqual(['9@1', '10@1']);
  });
});

describe('newArticlesNote', () => {
  const list = (n) => Array.from({ length: n }, (_, i) => art(i + 1));
  it.each([
    [0, [], 0],
    [2, ['1', '2'], 0],
    [3, ['1', '2', '3'], 0],
    [5, ['1', '2', '3'], 2],
  ])('%i new: links to %j and %i more', (n, shown, more) => {
    const note = newArticlesNote(list(n));
    expect(note.shown.map((a) => a.id)).toEqual(shown);
    expect(note.more).toBe(more);
  });
});

describe('matches', () => {
  const a = art(1, 1, { title: 'Hello World', content: 'Some Content', author: 'Ada Lovelace', tags: ['go', 'news'] });
  it.each([
    [{}, true],
    [{ author: 'Ada Lovelace' }, true],
    [{ author: 'ada lovelace' }, false], // author is exact
    [{ author: 'Ada' }, false],
    [{ tag: 'go' }, true],
    [{ tag: 'Go' }, false], // tag is exact
    [{ tag: 'g' }, false],
    [{ q: 'hello' }, true], // search is case-insensitive
    [{ q: 'WORLD' }, true],
    [{ q: 'some cont' }, true],
    [{ q: 'LOVELACE' }, true],
    [{ q: 'news' }, false], // tags are not searched
    [{ q: 'hello', author: 'Ada Lovelace', tag: 'news' }, true],
    [{ q: 'hello', tag: 'rust' }, false],
  ])('%j → %s', (filters, want) => expect(matches(a, filters)).toBe(want));
});
