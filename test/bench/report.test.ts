import { describe, expect, it } from 'vitest';
import { linePlotSvg, logTicks } from '../../bench/report/svg.js';
import { renderMarkdown, renderText } from '../../bench/report/table.js';
import { median, medianOf, percentile, ratio, summarize } from '../../bench/stats.js';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of the samples', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(new Float64Array(0), 99)).toBe(0);
    const s = summarize(Float64Array.from([5, 1, 3]));
    expect(s).toEqual({ count: 3, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
  });

  it('quotes medians of runs, field by field, and ratios only when both sides exist', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN])).toBeNaN();
    const runs = [
      { ackedPerS: 10, latencyMs: { p99: 5 }, eld: null, name: 'pivote' },
      { ackedPerS: 30, latencyMs: { p99: 1 }, eld: null, name: 'pivote' },
      { ackedPerS: 20, latencyMs: { p99: 9 }, eld: null, name: 'pivote' },
    ];
    expect(medianOf(runs)).toEqual({ ackedPerS: 20, latencyMs: { p99: 5 }, eld: null, name: 'pivote' });
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 4)).toBeNull();
  });
});

describe('bench report', () => {
  const table = { title: 'T', header: ['target', 'acked votes/s'], rows: [['pivote', '1,234'], ['ceiling', '99,000']], notes: ['pivote ÷ ceiling = 0.01 ×'] };

  it('aligns numbers right in the terminal table and in Markdown', () => {
    const text = renderText(table).split('\n');
    expect(text[3]).toBe('pivote           1,234');
    expect(text[4]).toBe('ceiling         99,000');
    const md = renderMarkdown(table);
    expect(md).toContain('| --- | ---: |');
    expect(md).toContain('- pivote ÷ ceiling = 0.01 ×');
  });

  it('draws a log-log plot with 1-2-5 ticks, one path per series, and escaped text', () => {
    expect(logTicks(500, 20_000)).toEqual([500, 1000, 2000, 5000, 10000, 20000]);
    const svg = linePlotSvg({
      title: 'p99 <latency> & load',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'a', color: '#000', points: [{ x: 500, y: 2 }, { x: 1000, y: 3 }, { x: 2000, y: 40, hollow: true }] },
        { name: 'b', color: '#f00', dash: '6 4', points: [{ x: 500, y: 1 }, { x: 2000, y: 5 }] },
      ],
      hLines: [{ at: 20, label: 'target', color: '#c00' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('p99 &lt;latency&gt; &amp; load');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    // Hollow markers for the points where the target could not keep up.
    expect(svg.match(/fill="#ffffff" stroke="#000"/g)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
