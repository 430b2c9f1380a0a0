// A small uPlot time chart of fixed height that follows its container's
// width, with a caption as its text alternative.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const HEIGHT = 160;

/**
 * @param {{label: string, caption: string, time: number[], series: Array<{label: string, values: Array<number|null>, color: string, dash?: number[], points?: boolean}>, unit: string}} props
 */
export function TimeChart({ label, caption, time, series, unit }) {
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
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, min, max) => [0, Math.max(1, max ?? 0) * 1.1] } },
        axes: [axis, { ...axis, size: 48, label: unit, labelSize: 16 }],
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
  }, [series.length]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <div ref={box} class="chart-box" role="img" aria-label={`${label}. ${caption}`} />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
