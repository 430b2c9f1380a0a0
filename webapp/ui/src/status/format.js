// What the status page says about a status.json snapshot: pure functions,
// so the words are tested apart from the page.

/**
 * The last value of a series that is not null.
 * @param {Array<number|null>|undefined} values
 * @returns {number|null}
 */
export function latest(values) {
  for (let i = (values?.length ?? 0) - 1; i >= 0; i--) {
    const v = values[i];
    if (v != null && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * A number for a person: integers as they are, others to a few significant digits.
 * @param {number|null|undefined} n
 * @param {number} [digits] significant digits for fractions
 * @returns {string} "—" when absent
 */
export function formatNumber(n, digits = 3) {
  if (n == null || !Number.isFinite(n)) return '—';
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(digits)));
}

/**
 * Whether the replica holds as many articles as the source.
 * @param {Array<{name: string, role: string, articles: number, error?: string}>} databases
 * @returns {string} e.g. "in sync", "B is 2 behind"
 */
export function syncSummary(databases) {
  const source = databases.find((d) => d.role === 'source');
  const replicas = databases.filter((d) => d.role !== 'source');
  if (!source || replicas.length === 0) return '';
  const parts = replicas.map((r) => {
    if (source.error || r.error) return `cannot compare ${source.name} and ${r.name}`;
    const diff = source.articles - r.articles;
    if (diff === 0) return 'in sync';
    if (diff > 0) return `${r.name} is ${diff} behind`;
    return `${r.name} is ${-diff} ahead`;
  });
  return parts.join('; ');
}

/**
 * The latest run of each pipeline, by start time, in pipeline order.
 * @template {{pipeline: string, started: string}} R
 * @param {R[]|null|undefined} runs
 * @returns {R[]}
 */
export function lastRuns(runs) {
  /** @type {Map<string, R>} */
  const last = new Map();
  for (const r of runs ?? []) {
    const seen = last.get(r.pipeline);
    if (!seen || Date.parse(r.started) > Date.parse(seen.started)) last.set(r.pipeline, r);
  }
  return [...last.values()].sort((a, b) => (a.pipeline < b.pipeline ? -1 : a.pipeline > b.pipeline ? 1 : 0));
}

/**
 * A text alternative for an API's request chart.
 * @param {{name: string, requests: Array<number|null>, errors: Array<number|null>}} api
 * @returns {string}
 */
export function requestsCaption(api) {
  return `${api.name}: ${formatNumber(latest(api.requests))} requests/s, ${formatNumber(latest(api.errors))} errors/s (latest)`;
}

/**
 * A duration for a person: milliseconds under a second, else seconds.
 * @param {number|null|undefined} seconds
 * @returns {{value: string, unit: string}} value "—" and no unit when absent
 */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return { value: '—', unit: '' };
  if (Math.abs(seconds) < 1) return { value: formatNumber(seconds * 1000), unit: 'ms' };
  return { value: formatNumber(seconds), unit: 's' };
}

/**
 * A text alternative for the sync delay chart: its latest point, named
 * apart from the card's mean over the last minute.
 * @param {Array<number|null>|undefined} delays seconds
 * @returns {string}
 */
export function syncDelayCaption(delays) {
  const v = latest(delays);
  if (v == null) return 'No events applied recently';
  const { value, unit } = formatDuration(v);
  return `latest: ${value} ${unit}`;
}

/**
 * What each step of a run wrote, in the order they run: "read 12 · check 11
 * (1 rejected) · export 11".
 * @param {Array<{name: string, written: number, rejected: number}>} [steps]
 */
export function stepsSummary(steps) {
  if (!steps?.length) return 'none: refused before any row moved';
  return steps.map((s) => `${s.name} ${s.written}${s.rejected ? ` (${s.rejected} rejected)` : ''}`).join(' · ');
}
