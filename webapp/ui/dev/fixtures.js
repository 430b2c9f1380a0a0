// For `vite` (serve) only: /app/config.json and a moving /app/status.json,
// so the pages run before the Go side serves them. Not part of the build.
import { readFileSync } from 'node:fs';

const config = readFileSync(new URL('./config.json', import.meta.url));

/**
 * A status.json as the server would answer at `now`, with 10 minutes of
 * series that move a little on every poll.
 * @param {number} now milliseconds since the epoch
 */
export function statusAt(now) {
  const step = 2;
  const end = Math.floor(now / 1000 / step) * step;
  const time = Array.from({ length: 300 }, (_, i) => end - (299 - i) * step);
  const wave = (t, base, amp, period) => Math.max(0, Number((base + amp * Math.sin((t / period) * 2 * Math.PI)).toFixed(2)));
  const api = (name, base) => ({
    name,
    requests: time.map((t, i) => (i === 0 ? null : wave(t, base, base / 2, 120))),
    errors: time.map((t, i) => (i === 0 ? null : t % 60 < 4 ? 0.5 : 0)),
  });
  const source = 40 + Math.floor((now / 1000 / 30) % 5);
  return {
    time: new Date(end * 1000).toISOString().replace('.000', ''),
    intervalSeconds: step,
    databases: [
      { name: 'A', role: 'source', articles: source },
      { name: 'B', role: 'replica', articles: source - (end % 10 < 4 ? 1 : 0) },
    ],
    outbox: { pending: end % 10 < 4 ? 1 : 0, oldestAgeSeconds: end % 10 < 4 ? 0.4 : 0 },
    sync: { consumerLag: 0, deadLetters: 0, applied: 25 + Math.floor(end / 30) % 100, delaySeconds: 0.05 },
    etl: [
      { pipeline: 'export', started: new Date((end - 50) * 1000).toISOString(), durationSeconds: 0.1, outcome: 'success', steps: [{ name: 'read', read: 0, written: source, rejected: 0 }, { name: 'check', read: source, written: source, rejected: 0 }, { name: 'export', read: source, written: source, rejected: 0 }] },
    ],
    gateway: {
      upstreams: [
        { upstream: 'rest', target: 'http://127.0.0.1:18500', up: true },
        { upstream: 'graphql', target: 'http://127.0.0.1:18600', up: true },
      ],
      throttledLastMinute: 0,
      authFailuresLastMinute: 0,
    },
    series: {
      time,
      apis: [api('rest', 3), api('graphql', 2), api('gateway', 5)],
      syncDelay: time.map((t, i) => (i % 7 === 0 ? null : wave(t, 0.05, 0.03, 90))),
    },
  };
}

/** The Vite plugin that serves them. */
export function devFixtures() {
  return {
    name: 'articlekit-dev-fixtures',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        if (path === '/app/config.json') {
          res.setHeader('Content-Type', 'application/json');
          res.end(config);
        } else if (path === '/app/status.json') {
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.end(JSON.stringify(statusAt(Date.now())));
        } else {
          next();
        }
      });
    },
  };
}
