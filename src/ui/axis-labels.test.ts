import { describe, expect, it } from 'vitest';
import { axisLabels } from './axis-labels.js';

describe('axisLabels', () => {
  it('labels only the whole numbers of a count axis (0.25 requests rounded to "0" twice and "1" three times)', () => {
    expect(axisLabels([0, 0.25, 0.5, 0.75, 1], 'count')).toEqual(['0', '', '', '', '1']);
    expect(axisLabels([0, 2000, 4000], 'count')).toEqual(['0', '2,000', '4,000']);
  });

  it('gives the dollar ticks of an axis the same number of decimals, as many as their step needs', () => {
    expect(axisLabels([0, 25, 50, 75, 100], 'usd')).toEqual(['$0', '$25', '$50', '$75', '$100']);
    expect(axisLabels([0, 0.002, 0.004], 'usd')).toEqual(['$0', '$0.002', '$0.004']);
    expect(axisLabels([0, 0.0025, 0.005], 'usd')).toEqual(['$0', '$0.0025', '$0.005']);
    expect(axisLabels([1.5], 'usd')).toEqual(['$1.5']);
  });

  it('keeps durations as ms and s', () => {
    expect(axisLabels([0, 500, 1000, 1500], 'ms')).toEqual(['0 ms', '500 ms', '1.00 s', '1.50 s']);
  });
});
