// The status page: the databases, the sync between them, the ETL runs and
// the gateway, from status.json, polled while the page is shown.
import { useEffect, useId, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { networkProblem, problemFromResponse, retryDelaySeconds } from '../errors.js';
import { usePageHeading, useTitle } from '../hooks.js';
import { authHeaders } from '../session.js';
import { absoluteTime } from '../time.js';
import { Time } from '../components/Time.jsx';
import { TimeChart } from '../status/TimeChart.jsx';
import { durationUnit } from '../status/axes.js';
import { formatDuration, formatNumber, lastRuns, requestsCaption, syncDelayCaption, stepsSummary, syncSummary } from '../status/format.js';

// Series colours with at least 3:1 contrast on Pico's light and dark backgrounds.
const REQUESTS_COLOR = '#1f77d0';
const ERRORS_COLOR = '#d03a1f';
const DELAY_COLOR = '#8a4fd0';

/**
 * Polls status.json every intervalSeconds (2 s unless it says otherwise),
 * one request at a time, only while mounted and the tab is visible.
 * @param {string} url
 */
function useStatus(url) {
  // The figures go with the visitor's credential, so that a gateway may
  // keep them to operators.
  const { report, clear, credential } = useApp();
  const source = useId();
  const [status, setStatus] = useState(/** @type {any} */ (null));
  const [failedAt, setFailedAt] = useState(/** @type {number|null} */ (null));

  useEffect(() => {
    let timer;
    let stopped = false;
    const ctl = new AbortController();
    const poll = async () => {
      let wait = 2;
      try {
        const res = await fetch(url, {
          headers: { Accept: 'application/json', ...authHeaders(credential) },
          cache: 'no-store',
          signal: ctl.signal,
        });
        const body = await res.json().catch(() => null);
        if (!res.ok || !body) {
          const problem = problemFromResponse({ status: res.ok ? 500 : res.status, retryAfter: res.headers.get('Retry-After'), body: null });
          throw Object.assign(new Error(problem.message), { problem });
        }
        setStatus(body);
        setFailedAt(null);
        clear(source);
        wait = body.intervalSeconds > 0 ? body.intervalSeconds : 2;
      } catch (err) {
        if (stopped) return;
        const problem = err.problem ?? networkProblem();
        report(problem, source);
        setFailedAt(Date.now());
        wait = Math.max(2, retryDelaySeconds(problem) ?? 2);
      }
      if (!stopped && !document.hidden) timer = setTimeout(poll, wait * 1000);
    };
    const onVisibility = () => {
      clearTimeout(timer);
      if (!document.hidden) poll();
    };
    poll();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      ctl.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      clear(source);
    };
  }, [url, credential]);

  return { status, failedAt };
}

/** The status page (#/status). */
export function StatusPage() {
  const { config } = useApp();
  useTitle('Status');
  const heading = usePageHeading();
  const { status, failedAt } = useStatus(config.status);

  return (
    <section aria-labelledby="status-heading" class="status">
      <h1 id="status-heading" ref={heading}>Status</h1>
      <p class="status-time" aria-live="off">
        {status ? (
          <>
            As of <time dateTime={status.time}>{absoluteTime(status.time)}</time>, refreshed every {status.intervalSeconds || 2} s
            {failedAt ? ' — the latest refresh failed, these values are older' : ''}.
          </>
        ) : failedAt ? (
          'The status could not be read.'
        ) : (
          'Loading…'
        )}
      </p>
      <div class="status-grid">
        <Databases databases={status?.databases ?? []} />
        <Sync outbox={status?.outbox} sync={status?.sync} loaded={Boolean(status)} />
        <Gateway gateway={status?.gateway} loaded={Boolean(status)} />
        <Etl runs={status?.etl} loaded={Boolean(status)} />
      </div>
      <Charts series={status?.series} />
    </section>
  );
}

function Databases({ databases }) {
  const summary = syncSummary(databases);
  // A and B always have their places, so the page does not move as they load.
  const names = databases.length ? databases : [{ name: 'A', role: 'source' }, { name: 'B', role: 'replica' }];
  return (
    <article class="card">
      <h2>Databases</h2>
      <div class="db-pair">
        {names.map((d) => (
          <div class="db" key={d.name}>
            <div class="db-name">
              {d.name} <small>({d.role})</small>
            </div>
            <div class="big-number" id={`db-${d.name}-articles`}>
              {d.articles != null && !d.error ? d.articles : '—'}
            </div>
            <small>{d.error ? `count failed: ${d.error}` : 'articles'}</small>
          </div>
        ))}
      </div>
      <p class="db-sync" aria-live="polite">{summary || '\u00a0'}</p>
    </article>
  );
}

/**
 * A number in an element of its own (for tests and assistive technology),
 * then its unit: [singular, plural] or one word for both. `absent`: the
 * component is not in this process.
 */
function Value({ id, value, unit, absent = false }) {
  if (absent) return <span id={id}>not in this process</span>;
  const [one, many] = Array.isArray(unit) ? unit : [unit, unit];
  return (
    <>
      <span id={id}>{formatNumber(value)}</span>
      {unit && value != null ? ` ${value === 1 ? one : many}` : ''}
    </>
  );
}

/** A duration as Value shows a number: in ms under a second. */
function Duration({ id, seconds, absent = false }) {
  if (absent) return <span id={id}>not in this process</span>;
  const { value, unit } = formatDuration(seconds);
  return (
    <>
      <span id={id}>{value}</span>
      {unit && ` ${unit}`}
    </>
  );
}

function Sync({ outbox, sync, loaded }) {
  return (
    <article class="card">
      <h2>Sync</h2>
      <dl class="stats">
        <dt>Outbox backlog</dt>
        <dd><Value id="outbox-pending" value={outbox?.pending} unit={['event', 'events']} absent={loaded && !outbox} /></dd>
        <dt>Oldest pending event</dt>
        <dd><Value id="outbox-age" value={outbox?.oldestAgeSeconds} unit="s old" absent={loaded && !outbox} /></dd>
        <dt>Consumer lag</dt>
        <dd><Value id="consumer-lag" value={sync?.consumerLag} unit={['message', 'messages']} absent={loaded && !sync} /></dd>
        <dt>Sync delay, last minute's mean</dt>
        <dd><Duration id="sync-delay" seconds={sync?.delaySeconds} absent={loaded && !sync} /></dd>
        <dt>Dead letters</dt>
        <dd><Value id="dead-letters" value={sync?.deadLetters} absent={loaded && !sync} /></dd>
        <dt>Applied</dt>
        <dd><Value id="sync-applied" value={sync?.applied} unit={['change', 'changes']} absent={loaded && !sync} /></dd>
      </dl>
    </article>
  );
}

function Gateway({ gateway, loaded }) {
  const absent = loaded && !gateway;
  return (
    <article class="card">
      <h2>Gateway</h2>
      <ul id="gateway-upstreams" class="upstreams">
        {absent && <li>The gateway is not in this process.</li>}
        {(gateway?.upstreams ?? []).map((u) => (
          <li key={`${u.upstream} ${u.target}`} data-up={u.up ? 'true' : 'false'}>
            <span class={u.up ? 'badge up' : 'badge down'}>{u.up ? 'up' : 'down'}</span> {u.upstream}{' '}
            <code>{u.target}</code>
          </li>
        ))}
      </ul>
      <dl class="stats">
        <dt>Throttled, last minute</dt>
        <dd>
          <Value id="throttled" value={gateway?.throttledLastMinute} unit={['request', 'requests']} absent={absent} />
        </dd>
        <dt>Refused credentials, last minute</dt>
        <dd>
          <Value id="auth-failures" value={gateway?.authFailuresLastMinute} unit={['request', 'requests']} absent={absent} />
        </dd>
      </dl>
    </article>
  );
}

function Etl({ runs, loaded }) {
  const last = lastRuns(runs);
  return (
    <article class="card">
      <h2>ETL</h2>
      <div id="etl-last">
        {loaded && last.length === 0 && <p>No pipeline has run yet.</p>}
        {last.map((r) => (
          <dl class="stats etl-run" key={r.pipeline} data-pipeline={r.pipeline}>
            <dt>Pipeline</dt>
            <dd><strong>{r.pipeline}</strong></dd>
            <dt>Last run</dt>
            <dd><Time value={r.started} absolute /></dd>
            <dt>Outcome</dt>
            <dd class={`outcome ${r.outcome === 'success' ? 'ok' : 'bad'}`}>
              {r.outcome}, in {formatNumber(r.durationSeconds)} s
            </dd>
            <dt>Rows</dt>
            <dd>{stepsSummary(r.steps)}</dd>
          </dl>
        ))}
      </div>
    </article>
  );
}

const API_NAMES = ['rest', 'graphql', 'gateway'];
const API_TITLES = { rest: 'REST API', graphql: 'GraphQL', gateway: 'Gateway' };

function Charts({ series }) {
  const time = series?.time ?? [];
  const apis = series?.apis?.length ? series.apis : API_NAMES.map((name) => ({ name, requests: [], errors: [] }));
  const delays = series?.syncDelay ?? [];
  const delay = durationUnit(delays);
  return (
    <div class="charts">
      <section aria-labelledby="requests-heading">
        <h2 id="requests-heading">Requests per second</h2>
        <div id="chart-requests" class="chart-grid">
          {apis.map((api) => (
            <TimeChart
              key={api.name}
              title={API_TITLES[api.name] ?? api.name}
              label={`Requests and errors per second, ${api.name}`}
              caption={requestsCaption(api)}
              time={time}
              unit="per s"
              series={[
                { label: 'requests', values: api.requests, color: REQUESTS_COLOR },
                { label: 'errors', values: api.errors, color: ERRORS_COLOR, dash: [6, 4] },
              ]}
            />
          ))}
        </div>
      </section>
      <section aria-labelledby="delay-heading">
        <h2 id="delay-heading">Sync delay</h2>
        <div id="chart-sync-delay">
          <TimeChart
            label={`Sync delay of the events applied in each interval, in ${delay.unit === 'ms' ? 'milliseconds' : 'seconds'}`}
            caption={syncDelayCaption(delays)}
            time={time}
            unit={delay.unit}
            series={[{ label: 'delay', values: delays.map((v) => (v == null ? null : v * delay.factor)), color: DELAY_COLOR, points: true }]}
          />
        </div>
      </section>
    </div>
  );
}
