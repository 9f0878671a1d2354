// Inline SVG line charts: no dependency, no script, so report.html is one self-contained file.

import type { Point } from './stats.js';

export type Series = { name: string; points: readonly Point[]; color: string };

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1000 || a < 0.01 ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
}

/** A line chart of `series` (one polyline each), axes with min/max ticks, a legend. */
export function lineChart(title: string, series: readonly Series[], opts: { width?: number; height?: number; yLabel?: string; xLabel?: string } = {}): string {
  const W = opts.width ?? 440;
  const H = opts.height ?? 260;
  const m = { l: 52, r: 12, t: 28, b: 44 };
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
  let x0 = Math.min(...pts.map((p) => p.step));
  let x1 = Math.max(...pts.map((p) => p.step));
  let y0 = Math.min(...pts.map((p) => p.value));
  let y1 = Math.max(...pts.map((p) => p.value));
  if (!Number.isFinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const lines = series.map((s) => {
    const d = s.points.filter((p) => Number.isFinite(p.value)).map((p) => `${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${d}"><title>${escapeXml(s.name)}</title></polyline>`;
  }).join('');
  const legend = series.map((s, i) =>
    `<g transform="translate(${m.l + (i % 3) * 130},${H - 14 + Math.floor(i / 3) * 12})"><rect width="10" height="3" y="-4" fill="${s.color}"/>`
    + `<text x="14" font-size="10">${escapeXml(s.name)}</text></g>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H + Math.floor((series.length - 1) / 3) * 12}" role="img" aria-label="${escapeXml(title)}">`
    + `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`
    + `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#999"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#999"/>`
    + `<text x="${m.l - 4}" y="${sy(y1) + 4}" text-anchor="end" font-size="10">${fmt(y1)}</text>`
    + `<text x="${m.l - 4}" y="${sy(y0)}" text-anchor="end" font-size="10">${fmt(y0)}</text>`
    + `<text x="${m.l}" y="${H - m.b + 14}" font-size="10">${fmt(x0)}</text>`
    + `<text x="${W - m.r}" y="${H - m.b + 14}" text-anchor="end" font-size="10">${escapeXml(opts.xLabel ?? 'step')} ${fmt(x1)}</text>`
    + lines + legend + '</svg>';
}
