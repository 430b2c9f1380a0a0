import { describe, expect, it } from 'vitest';
import { durationUnit, timeTickLabels, yRange } from '../src/status/axes.js';
import { formatDuration, syncDelayCaption } from '../src/status/format.js';

describe('yRange', () => {
  it.each([
    [null, [0, 1.1]],
    [0, [0, 1.1]],
    [0.4, [0, 1.1]], // under the floor: idle
    [12, [0, 12 * 1.1]],
  ])('max %j → %j', (max, want) => {
    const [lo, hi] = yRange(max);
    expect(lo).toBe(want[0]);
    expect(hi).toBeCloseTo(want[1]);
  });
});

describe('durationUnit', () => {
  it.each([
    [[0.01, null, 0.02], 'ms', 1000],
    [[], 'ms', 1000],
    [undefined, 'ms', 1000],
    [[0.5, 1.2], 's', 1],
  ])('%j → %s', (values, unit, factor) => expect(durationUnit(values)).toEqual({ unit, factor }));
});

describe('timeTickLabels', () => {
  const t = Date.UTC(2026, 11, 2, 16, 47, 30) / 1000;
  it('minutes apart: the time of day to the minute, one line, no date', () => {
    const labels = timeTickLabels([t, t + 60], 60, 'en-GB');
    expect(labels).toHaveLength(2);
    for (const l of labels) expect(l).toMatch(/^\d{1,2}:\d{2}$/);
  });
  it('seconds apart: to the second', () => {
    for (const l of timeTickLabels([t, t + 15], 15, 'en-GB')) expect(l).toMatch(/^\d{1,2}:\d{2}:\d{2}$/);
  });
});

describe('sync delay words', () => {
  it.each([
    [0.00867, { value: '8.67', unit: 'ms' }],
    [0.05, { value: '50', unit: 'ms' }],
    [0, { value: '0', unit: 'ms' }],
    [1.5, { value: '1.5', unit: 's' }],
    [null, { value: '—', unit: '' }],
  ])('formatDuration(%j)', (s, want) => expect(formatDuration(s)).toEqual(want));

  it('the caption names the latest point', () => {
    expect(syncDelayCaption([0.01, 0.00994, null])).toBe('latest: 9.94 ms');
    expect(syncDelayCaption([null])).toBe('No events applied recently');
  });
});
