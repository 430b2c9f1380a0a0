// The status charts' scales and tick labels: pure functions, so that what
// the axes say is tested apart from uPlot.

/**
 * The y range of a chart: from 0 to a little above the largest value, and
 * at least to `floor` (in the chart's unit), so that an idle series lies
 * on the floor rather than filling the height with noise.
 * @param {number|null|undefined} max the largest value shown
 * @param {number} [floor]
 * @returns {[number, number]}
 */
export function yRange(max, floor = 1) {
  return [0, Math.max(floor, Number.isFinite(max) ? /** @type {number} */ (max) : 0) * 1.1];
}

/**
 * The unit a series of durations in seconds reads best in: milliseconds
 * when all are under a second.
 * @param {Array<number|null>|undefined} seconds
 * @returns {{unit: 'ms'|'s', factor: number}} multiply by factor to get the unit
 */
export function durationUnit(seconds) {
  const max = Math.max(0, ...(seconds ?? []).filter((v) => v != null && Number.isFinite(v)).map(Number));
  return max < 1 ? { unit: 'ms', factor: 1000 } : { unit: 's', factor: 1 };
}

/**
 * The x axis' labels: the time of day, to the second only when ticks are
 * less than a minute apart; one line each, so that neighbours never run
 * into each other (uPlot's default adds a second line with the date).
 * @param {number[]} splits tick times, seconds since the epoch
 * @param {number} increment seconds between ticks
 * @param {string} [locale] the reader's when undefined
 * @returns {string[]}
 */
export function timeTickLabels(splits, increment, locale) {
  const format = new Intl.DateTimeFormat(locale, {
    hour: 'numeric',
    minute: '2-digit',
    ...(increment < 60 ? { second: '2-digit' } : {}),
  });
  return splits.map((s) => format.format(new Date(s * 1000)));
}
