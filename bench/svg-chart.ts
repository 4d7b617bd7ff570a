/**
 * A small SVG line-chart renderer: a grid of panels ("small multiples"),
 * each with its own axes, line series and vertical markers, and one shared
 * legend.
 *
 * The project draws its own charts so that a figure in docs/ can be rebuilt
 * offline from the same run that produced its table, with no plotting
 * service or dependency. Output is deterministic (fixed number formatting,
 * no timestamps or random ids), so regenerating an unchanged figure gives
 * an unchanged file and a reviewable diff.
 */
import { HashtriageError } from '../src/errors.js';

/** A point: x in data units, y in data units. */
export type ChartPoint = readonly [number, number];

/** One line in a panel. */
export interface ChartSeries {
  /** Shown in a `<title>` on the line (hover text); the shared legend names it for readers. */
  label: string;
  /** Any SVG colour. */
  color: string;
  dashed?: boolean;
  points: readonly ChartPoint[];
}

/** A vertical line at one x value, e.g. a chosen threshold. */
export interface ChartMarker {
  x: number;
  label: string;
  color: string;
  dashed?: boolean;
}

/** One panel of the grid. */
export interface ChartPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  /** [min, max] of the x axis; points outside are clipped to the frame. */
  xDomain: readonly [number, number];
  /** [min, max] of the y axis. */
  yDomain: readonly [number, number];
  series: readonly ChartSeries[];
  markers?: readonly ChartMarker[];
  /** Tick values; default: about five "nice" values over the domain. */
  xTicks?: readonly number[];
  yTicks?: readonly number[];
  /** How tick values are printed; default: up to 3 significant decimals. */
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
}

/** A legend entry: a short line sample and its text. */
export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/** Figure-level options. */
export interface ChartOptions {
  title: string;
  subtitle?: string;
  /** Panels per row; default 3. */
  columns?: number;
  /** Size of one panel including its axis labels, in px; defaults 300 × 230. */
  panelWidth?: number;
  panelHeight?: number;
  legend?: readonly LegendEntry[];
}

const FONT = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif"';
// Room inside each panel cell for the title above and the tick labels and axis names around the plot.
const PAD = { top: 26, right: 12, bottom: 42, left: 52 } as const;
const HEADER = 44;
const SUBTITLE = 18;
const LEGEND_ROW = 22;
const MARGIN = 12;

/**
 * Escapes text for use in SVG element content and attribute values.
 *
 * @param text - any string (labels come from file names and options)
 * @returns the text with `& < > " '` replaced by entities
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [min, max].
 *
 * @param min - domain start
 * @param max - domain end, greater than `min`
 * @param count - wanted number of intervals (a hint)
 * @returns ascending values within [min, max]
 * @throws HashtriageError `INTERNAL` if the domain is empty or not finite
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  checkDomain([min, max], 'ticks');
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  // Stepping by integer multiples (not repeated addition) keeps 0.1-style steps from drifting.
  for (let i = Math.ceil(min / step); i * step <= max + step * 1e-9; i++) ticks.push(round(i * step, 10));
  return ticks;
}

/**
 * Renders panels in a grid as one standalone SVG document.
 *
 * @param panels - at least one panel
 * @param options - title, layout and legend
 * @returns the SVG text (UTF-8, with an XML declaration-free `<svg>` root and a `viewBox`)
 * @throws HashtriageError `INTERNAL` when there is no panel, a domain is empty
 *   or not finite, or a point or marker is not finite
 */
export function renderChart(panels: readonly ChartPanel[], options: ChartOptions): string {
  if (panels.length === 0) throw new HashtriageError('INTERNAL', 'renderChart: no panels');
  const columns = Math.max(1, Math.min(options.columns ?? 3, panels.length));
  const pw = options.panelWidth ?? 300;
  const ph = options.panelHeight ?? 230;
  const rows = Math.ceil(panels.length / columns);
  const width = MARGIN * 2 + columns * pw;
  const placed = layoutLegend(options.legend ?? [], width - 2 * MARGIN);
  const legendRows = placed.length === 0 ? 0 : placed[placed.length - 1].row + 1;
  const legendTop = HEADER + (options.subtitle ? SUBTITLE : 0);
  const top = legendTop + legendRows * LEGEND_ROW;
  const height = top + rows * ph + MARGIN;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
  );
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN}" y="28" ${FONT} font-size="17" font-weight="bold" fill="#111">${escapeXml(options.title)}</text>`);
  if (options.subtitle) {
    out.push(`<text x="${MARGIN}" y="${28 + SUBTITLE}" ${FONT} font-size="12" fill="#444">${escapeXml(options.subtitle)}</text>`);
  }
  if (legendRows > 0) out.push(legend(placed, MARGIN, legendTop + 6));

  panels.forEach((panel, i) => {
    const x0 = MARGIN + (i % columns) * pw;
    const y0 = top + Math.floor(i / columns) * ph;
    out.push(renderPanel(panel, x0, y0, pw, ph));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function renderPanel(panel: ChartPanel, x0: number, y0: number, pw: number, ph: number): string {
  checkDomain(panel.xDomain, `x domain of "${panel.title}"`);
  checkDomain(panel.yDomain, `y domain of "${panel.title}"`);
  const left = x0 + PAD.left;
  const right = x0 + pw - PAD.right;
  const topY = y0 + PAD.top;
  const bottom = y0 + ph - PAD.bottom;
  const [xmin, xmax] = panel.xDomain;
  const [ymin, ymax] = panel.yDomain;
  const sx = (x: number): number => left + ((clamp(x, xmin, xmax) - xmin) / (xmax - xmin)) * (right - left);
  const sy = (y: number): number => bottom - ((clamp(y, ymin, ymax) - ymin) / (ymax - ymin)) * (bottom - topY);
  const fx = panel.xFormat ?? formatNumber;
  const fy = panel.yFormat ?? formatNumber;

  const g: string[] = [`<g class="panel">`];
  g.push(`<text x="${n(left)}" y="${n(y0 + 16)}" ${FONT} font-size="13" font-weight="bold" fill="#111">${escapeXml(panel.title)}</text>`);
  for (const t of panel.yTicks ?? niceTicks(ymin, ymax, 4)) {
    const y = sy(t);
    g.push(`<line x1="${n(left)}" y1="${n(y)}" x2="${n(right)}" y2="${n(y)}" stroke="#e3e3e3" stroke-width="1"/>`);
    g.push(`<text x="${n(left - 5)}" y="${n(y + 4)}" ${FONT} font-size="10" fill="#555" text-anchor="end">${escapeXml(fy(t))}</text>`);
  }
  for (const t of panel.xTicks ?? niceTicks(xmin, xmax, 5)) {
    const x = sx(t);
    g.push(`<line x1="${n(x)}" y1="${n(bottom)}" x2="${n(x)}" y2="${n(bottom + 4)}" stroke="#555" stroke-width="1"/>`);
    g.push(`<text x="${n(x)}" y="${n(bottom + 15)}" ${FONT} font-size="10" fill="#555" text-anchor="middle">${escapeXml(fx(t))}</text>`);
  }
  g.push(`<rect x="${n(left)}" y="${n(topY)}" width="${n(right - left)}" height="${n(bottom - topY)}" fill="none" stroke="#888" stroke-width="1"/>`);
  g.push(`<text x="${n((left + right) / 2)}" y="${n(bottom + 32)}" ${FONT} font-size="11" fill="#333" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  const yMid = (topY + bottom) / 2;
  g.push(
    `<text x="${n(x0 + 12)}" y="${n(yMid)}" ${FONT} font-size="11" fill="#333" text-anchor="middle" transform="rotate(-90 ${n(x0 + 12)} ${n(yMid)})">${escapeXml(panel.yLabel)}</text>`,
  );

  for (const m of panel.markers ?? []) {
    if (!Number.isFinite(m.x)) throw new HashtriageError('INTERNAL', `renderChart: marker "${m.label}" is not finite`);
    const x = sx(m.x);
    g.push(
      `<line class="marker" x1="${n(x)}" y1="${n(topY)}" x2="${n(x)}" y2="${n(bottom)}" stroke="${escapeXml(m.color)}" stroke-width="1.5"${m.dashed ? ' stroke-dasharray="2 3"' : ''}><title>${escapeXml(m.label)}</title></line>`,
    );
  }
  for (const s of panel.series) {
    const pts = s.points.map(([x, y]) => {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        throw new HashtriageError('INTERNAL', `renderChart: series "${s.label}" has a point that is not finite`);
      }
      return `${n(sx(x))},${n(sy(y))}`;
    });
    if (pts.length === 0) continue;
    g.push(
      `<polyline class="series" points="${pts.join(' ')}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.8" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${escapeXml(s.label)}</title></polyline>`,
    );
  }
  g.push('</g>');
  return g.join('\n');
}

interface PlacedEntry {
  entry: LegendEntry;
  x: number;
  row: number;
}

/** Flows legend entries left to right, wrapping to a new row rather than dropping any. */
function layoutLegend(entries: readonly LegendEntry[], maxWidth: number): PlacedEntry[] {
  const placed: PlacedEntry[] = [];
  let x = 0;
  let row = 0;
  for (const entry of entries) {
    // Width estimated from the character count: there are no font metrics without a renderer.
    const w = 34 + entry.label.length * 6.2 + 16;
    if (x > 0 && x + w > maxWidth) {
      row++;
      x = 0;
    }
    placed.push({ entry, x, row });
    x += w;
  }
  return placed;
}

function legend(placed: readonly PlacedEntry[], x0: number, y0: number): string {
  const g: string[] = ['<g class="legend">'];
  for (const { entry: e, x: dx, row } of placed) {
    const x = x0 + dx;
    const y = y0 + row * LEGEND_ROW;
    g.push(
      `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x + 26)}" y2="${n(y)}" stroke="${escapeXml(e.color)}" stroke-width="2"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    g.push(`<text x="${n(x + 32)}" y="${n(y + 4)}" ${FONT} font-size="11" fill="#222">${escapeXml(e.label)}</text>`);
  }
  g.push('</g>');
  return g.join('\n');
}

function checkDomain(d: readonly [number, number], what: string): void {
  if (!Number.isFinite(d[0]) || !Number.isFinite(d[1]) || !(d[1] > d[0])) {
    throw new HashtriageError('INTERNAL', `renderChart: ${what} must be two finite numbers, min < max (got ${d[0]}, ${d[1]})`);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Coordinates with one decimal: sub-pixel enough, and stable text. */
function n(v: number): string {
  const r = round(v, 1);
  return Object.is(r, -0) ? '0' : String(r);
}

function formatNumber(v: number): string {
  return String(round(v, 3));
}
