import { int, ms } from './format.js';

/** What a chart's y axis counts: the tick labels are written for it. */
export type AxisKind = 'count' | 'usd' | 'ms';

/**
 * The y-axis labels for uPlot's ticks. A count has no fractions: uPlot puts ticks at 0.25 for a
 * chart of one request, which rounded to "0, 0, 1, 1, 1". Dollars get one number of decimals for the
 * whole axis, as many as the step between ticks needs ("$25.0000" stood beside "$100.00").
 */
export function axisLabels(ticks: readonly number[], kind: AxisKind): string[] {
  if (kind === 'count') return ticks.map((v) => (Number.isInteger(v) ? int(v) : ''));
  if (kind === 'ms') return ticks.map((v) => ms(v));
  const decimals = Math.max(0, ...ticks.map(decimalsOf));
  return ticks.map((v) => (v === 0 ? '$0' : `$${trim(v.toFixed(Math.min(decimals, 10)))}`));
}

/** Decimals needed to write `v` (ticks are round numbers: 0.0025, 25). */
function decimalsOf(v: number): number {
  const text = Number(v.toPrecision(12)).toString();
  if (text.includes('e-')) return Number(text.slice(text.indexOf('e-') + 2)) + (text.split('e')[0]!.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
