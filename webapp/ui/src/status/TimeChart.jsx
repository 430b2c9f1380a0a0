// A small uPlot time chart of fixed height that follows its container's
// width, with a title and a caption as its text alternative.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { timeTickLabels, yRange } from './axes.js';

const HEIGHT = 160;
// The least room between x ticks, in pixels: enough for "12:34:56 PM".
const X_TICK_SPACE = 90;
// The x ticks' steps, in seconds: never under a second, which the labels
// could not tell apart.
const X_TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

/**
 * @param {{title?: string, label: string, caption: string, time: number[], series: Array<{label: string, values: Array<number|null>, color: string, dash?: number[], points?: boolean}>, unit: string}} props
 *   the values in `unit`; the y axis runs from 0 to at least 1 of it
 */
export function TimeChart({ title, label, caption, time, series, unit }) {
  const box = useRef(/** @type {HTMLDivElement|null} */ (null));
  const plot = useRef(/** @type {uPlot|null} */ (null));
  const data = /** @type {uPlot.AlignedData} */ ([time, ...series.map((s) => s.values)]);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ink = getComputedStyle(el).color;
    const grid = 'rgba(128,128,128,0.25)';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    plot.current = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: { show: true, live: false },
        // Room on the right for the last tick's label, centred on it.
        padding: [8, 32, 0, 0],
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => yRange(max) } },
        axes: [
          { ...axis, space: X_TICK_SPACE, incrs: X_TICK_STEPS, values: (_u, splits, _axis, _space, incr) => timeTickLabels(splits, incr) },
          { ...axis, size: 48, label: unit, labelSize: 16 },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: false, points: { show: Boolean(s.points), size: 6 } }))],
      },
      data,
      el,
    );
    const ro = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series.length, unit]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      {title && <h3 class="chart-title">{title}</h3>}
      <div ref={box} class="chart-box" role="img" aria-label={`${label}. ${caption}`} />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
