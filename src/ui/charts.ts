import uPlot from 'uplot';
import { axisLabels } from './axis-labels.js';
import type { AxisKind } from './axis-labels.js';
import { h } from './dom.js';

export interface Series {
  label: string;
  values: (number | null)[];
  dash?: boolean;
}

const COLORS = ['#4f7cff', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];

/**
 * One time-series chart. Returns its card and a destroy function; the width follows the card so
 * the grid stays responsive. `xs` are epoch seconds (uPlot's unit).
 */
export function lineChart(title: string, xs: number[], series: Series[], format: (v: number) => string, axis: AxisKind): { el: HTMLElement; destroy: () => void } {
  const total = series.reduce((sum, s) => sum + s.values.reduce<number>((a, v) => a + (v ?? 0), 0), 0);
  const body = h('div', { class: 'chart-body' });
  const el = h('section', { class: 'card chart', 'data-chart': title, 'data-total': total }, h('h3', {}, title), body);
  const opts: uPlot.Options = {
    width: 400,
    height: 200,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    // Axes and legend in UTC, as the buckets are (/v1/usage) and as the logs show times: in the
    // browser's zone a day's point sat at the evening before (16:00 on 29 November for the 30th,
    // seen from California).
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    axes: [{}, { values: (_u, ticks) => axisLabels(ticks, axis), size: 80 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: legendLabel(s.label),
        stroke: COLORS[i % COLORS.length],
        width: 2,
        ...(s.dash ? { dash: [5, 4] } : {}),
        // Lone points in sparse data would be invisible without markers.
        points: { show: true, size: 4 },
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
      })),
    ],
  };
  const chart = new uPlot(opts, [xs, ...series.map((s) => s.values)] as uPlot.AlignedData, body);
  const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, body.clientWidth), height: 200 }));
  resize.observe(body);
  return {
    el,
    destroy: () => {
      resize.disconnect();
      chart.destroy();
    },
  };
}

/**
 * Legend entries sit side by side under a chart: a 500-character model name would hide the others.
 * Cut in the middle, so that both a name's start and its end (a version, "p95") stay readable.
 */
const MAX_LABEL = 48;
function legendLabel(label: string): string {
  return label.length <= MAX_LABEL ? label : `${label.slice(0, 30)}…${label.slice(-(MAX_LABEL - 31))}`;
}
