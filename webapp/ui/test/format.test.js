import { describe, expect, it } from 'vitest';
import { stepsSummary } from '../src/status/format.js';

describe('stepsSummary', () => {
  it.each([
    ['no steps: refused at planning', [], 'none: refused before any row moved'],
    ['absent', undefined, 'none: refused before any row moved'],
    [
      'each step with its rejects',
      [
        { name: 'read', read: 0, written: 12, rejected: 0 },
        { name: 'check', read: 12, written: 11, rejected: 1 },
        { name: 'export', read: 11, written: 11, rejected: 0 },
      ],
      'read 12 · check 11 (1 rejected) · export 11',
    ],
  ])('%s', (_name, steps, want) => {
    expect(stepsSummary(steps)).toBe(want);
  });
});
