import { describe, it, expect } from 'vitest';
import { escapeXml, niceTicks, renderChart, type ChartPanel } from '../../bench/svg-chart.js';
import { HashtriageError } from '../../src/errors.js';

function panel(overrides: Partial<ChartPanel> = {}): ChartPanel {
  return {
    title: 'pHash',
    xLabel: 'threshold',
    yLabel: 'rate (%)',
    xDomain: [0, 32],
    yDomain: [0, 100],
    series: [
      { label: 'true-match rate', color: '#1f63b4', points: [[0, 10], [16, 90], [32, 100]] },
      { label: 'false-match rate', color: '#1f63b4', dashed: true, points: [[0, 0], [32, 50]] },
    ],
    markers: [{ x: 8, label: 'default 8', color: '#777', dashed: true }],
    ...overrides,
  };
}

/** Every element opened is closed, in order: enough to catch broken markup without an XML parser. */
function tagsBalance(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

function polylines(svg: string): { points: [number, number][]; dashed: boolean }[] {
  return [...svg.matchAll(/<polyline class="series" points="([^"]*)"([^>]*)>/g)].map((m) => ({
    points: m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]),
    dashed: m[2].includes('stroke-dasharray'),
  }));
}

describe('renderChart', () => {
  it('produces one balanced SVG document with a viewBox matching its size', () => {
    const svg = renderChart([panel(), panel({ title: 'dHash' })], { title: 'Rates', columns: 2 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(tagsBalance(svg)).toBe(true);
    const m = /width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"/.exec(svg)!;
    expect(m[1]).toBe(m[3]);
    expect(m[2]).toBe(m[4]);
  });

  it('draws one polyline per series, dashed where asked, and one line per marker', () => {
    const svg = renderChart([panel(), panel()], { title: 't' });
    const lines = polylines(svg);
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.dashed)).toEqual([false, true, false, true]);
    expect(svg.match(/class="marker"/g)).toHaveLength(2);
  });

  it('maps data to pixels: larger x to the right, larger y upwards, ends on the frame', () => {
    const svg = renderChart([panel()], { title: 't' });
    const [solid] = polylines(svg);
    const [p0, p1, p2] = solid.points;
    expect(p1[0]).toBeGreaterThan(p0[0]);
    expect(p2[0]).toBeGreaterThan(p1[0]);
    expect(p1[1]).toBeLessThan(p0[1]);
    // x = 16 is halfway along the axis between x = 0 and x = 32.
    expect(p1[0] - p0[0]).toBeCloseTo(p2[0] - p1[0], 0);
    const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg)!.slice(1).map(Number);
    expect(p0[0]).toBeCloseTo(frame[0], 1);
    expect(p2[0]).toBeCloseTo(frame[0] + frame[2], 1);
    expect(p2[1]).toBeCloseTo(frame[1], 1); // y = 100 on the top edge
  });

  it('clips points outside the domain to the frame', () => {
    const svg = renderChart([panel({ series: [{ label: 's', color: 'red', points: [[-5, -20], [64, 250]] }] })], { title: 't' });
    const [line] = polylines(svg);
    const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg)!.slice(1).map(Number);
    expect(line.points[0]).toEqual([frame[0], frame[1] + frame[3]]);
    expect(line.points[1]).toEqual([frame[0] + frame[2], frame[1]]);
  });

  it('lays panels out in rows of `columns`', () => {
    const svg = renderChart([panel(), panel(), panel(), panel()], { title: 't', columns: 3, panelWidth: 300, panelHeight: 200 });
    const frames = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="none"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(frames).toHaveLength(4);
    expect(new Set(frames.slice(0, 3).map((f) => f[1])).size).toBe(1);
    expect(frames[3][1] - frames[0][1]).toBe(200);
    expect(frames[3][0]).toBe(frames[0][0]);
    expect(frames[1][0] - frames[0][0]).toBe(300);
  });

  it('escapes text from labels and titles', () => {
    const svg = renderChart([panel({ title: 'a<b & "c"' })], { title: "x'y", legend: [{ label: '<script>', color: 'red' }] });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(tagsBalance(svg)).toBe(true);
  });

  it('wraps a long legend onto more rows instead of dropping entries', () => {
    const legend = Array.from({ length: 12 }, (_, i) => ({ label: `entry number ${i}`, color: '#000' }));
    const svg = renderChart([panel()], { title: 't', columns: 1, panelWidth: 300, legend });
    for (let i = 0; i < 12; i++) expect(svg).toContain(`>entry number ${i}<`);
    const short = renderChart([panel()], { title: 't', columns: 1, panelWidth: 300, legend: legend.slice(0, 1) });
    const height = (s: string): number => Number(/height="(\d+)"/.exec(s)![1]);
    expect(height(svg)).toBeGreaterThan(height(short));
  });

  it('is deterministic', () => {
    expect(renderChart([panel()], { title: 't' })).toBe(renderChart([panel()], { title: 't' }));
  });

  it('refuses no panels, empty domains and non-finite points', () => {
    expect(() => renderChart([], { title: 't' })).toThrow(HashtriageError);
    expect(() => renderChart([panel({ xDomain: [5, 5] })], { title: 't' })).toThrow(/x domain/);
    expect(() => renderChart([panel({ series: [{ label: 's', color: 'red', points: [[1, NaN]] }] })], { title: 't' })).toThrow(/not finite/);
  });
});

describe('niceTicks', () => {
  it('gives round steps covering the domain', () => {
    expect(niceTicks(0, 100, 4)).toEqual([0, 50, 100]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 17, 5)).toEqual([5, 10, 15]);
  });
});

describe('escapeXml', () => {
  it('replaces the five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
