// A time shown relative to now, absolute on hover and to assistive
// technology, and kept current.
import { useEffect, useState } from 'preact/hooks';
import { absoluteTime, relativeTime } from '../time.js';

/**
 * @param {{value: string, absolute?: boolean}} props absolute: show the absolute time too
 */
export function Time({ value, absolute = false }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15000);
    return () => clearInterval(t);
  }, []);
  const abs = absoluteTime(value);
  return (
    <time dateTime={value} title={abs}>
      {relativeTime(value, now)}
      {absolute && abs ? ` (${abs})` : ''}
    </time>
  );
}
