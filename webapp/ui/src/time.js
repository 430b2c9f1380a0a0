// Times for people: relative ("3 minutes ago") and absolute.

const UNITS = /** @type {const} */ ([
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]);

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * How long ago (or in how long) a time is, in words.
 * @param {string|number|Date} time
 * @param {number} [now] milliseconds since the epoch
 * @returns {string} e.g. "3 minutes ago", "now"
 */
export function relativeTime(time, now = Date.now()) {
  const seconds = Math.round((new Date(time).getTime() - now) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (Math.abs(seconds) < 5) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return relative.format(Math.trunc(seconds / size), unit);
  }
  return '';
}

/**
 * A time in the reader's locale and time zone, date and time.
 * @param {string|number|Date} time
 * @returns {string}
 */
export function absoluteTime(time) {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? '' : absolute.format(d);
}
