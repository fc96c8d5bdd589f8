import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { figureHtml, figureToSvg, heatmapFigure, inNotebook, lineFigure, saveFigure, showFigure, tableHtml, tableText } from '../../src/viz';

test('figureToSvg draws one path per line series, a legend and the titles, and escapes text', () => {
  const fig = lineFigure(
    [
      { name: 'F <upper>', x: [1, 2, 3], y: [3, 2, 1] },
      { name: 'G', x: [1, 2, 3], y: [1, 1.5, 1.2] },
    ],
    { title: 'losses', xTitle: 'step', yTitle: 'CE' },
  );
  const svg = figureToSvg(fig);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.match(svg, /F &lt;upper&gt;/);
  assert.match(svg, />losses</);
  assert.match(svg, />step</);
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
});

test('log axes drop non-positive values instead of drawing NaN coordinates', () => {
  const svg = figureToSvg(lineFigure([{ name: 'l', x: [1, 2, 3], y: [1, 0, 0.01] }], { logY: true }));
  assert.doesNotMatch(svg, /NaN|Infinity/);
});

test('heatmaps are one embedded PNG of rows x cols pixels, with scatter overlays on the same axes', () => {
  const fig = heatmapFigure([[0, 1, 2], [3, 4, 5]]);
  fig.data.push({ type: 'scatter', mode: 'text', x: [1], y: [1], text: ['ah'] }, { type: 'scatter', mode: 'lines', x: [0.5, 0.5], y: [0, 1] });
  const svg = figureToSvg(fig);
  const m = svg.match(/href="data:image\/png;base64,([^"]+)"/);
  assert.ok(m, 'embedded PNG');
  const png = Buffer.from(m![1], 'base64');
  assert.equal(png.readUInt32BE(16), 3, 'PNG width = columns');
  assert.equal(png.readUInt32BE(20), 2, 'PNG height = rows');
  assert.match(svg, />ah<\/text>/);
  assert.equal((svg.match(/<path /g) ?? []).length, 1);
});

test('stacked bars stack; categorical x keeps its labels', () => {
  const svg = figureToSvg({
    data: [
      { type: 'bar', name: 'a', x: ['s1', 's2'], y: [1, 2] },
      { type: 'bar', name: 'b', x: ['s1', 's2'], y: [3, 0] },
    ],
    layout: { barmode: 'stack' },
  });
  assert.equal((svg.match(/<rect [^>]*fill="#/g) ?? []).length, 2 + 1 + 2, '3 non-zero bars and 2 legend swatches');
  assert.match(svg, />s2<\/text>/);
  assert.match(svg, />4<\/text>/, 'the axis reaches the stacked total');
});

test('interactive HTML carries the spec and the static SVG fallback; outside a notebook show* is a no-op', () => {
  const fig = lineFigure([{ name: 'a', x: [0, 1], y: [0, 1] }], { title: 't' });
  const html = figureHtml(fig, { includePlotly: false });
  assert.match(html, /Plotly\.newPlot/);
  assert.match(html, /<svg/);
  assert.equal(inNotebook(), false);
  assert.equal(showFigure(fig), undefined);
});

test('saveFigure writes an SVG and a standalone HTML with plotly inlined', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-viz-'));
  const out = saveFigure(lineFigure([{ name: 'a', x: [0, 1], y: [0, 1] }]), path.join(dir, 'fig'));
  assert.match(fs.readFileSync(out.svg, 'utf8'), /^<svg/);
  const html = fs.readFileSync(out.html!, 'utf8');
  assert.ok(html.length > 1e6, 'plotly bundle inlined');
  assert.match(html, /Plotly\.newPlot/);
});

test('tables render records and danfojs-like frames', () => {
  assert.match(tableHtml([{ a: 1, b: 'x<y' }]), /<td[^>]*>x&lt;y<\/td>/);
  const frame = { columns: ['loss'], values: [[0.5], [0.25]], index: ['s1', 's2'] };
  assert.match(tableHtml(frame), /<th>s2<\/th>/);
  assert.equal(tableText([{ a: 1.23456, b: 2 }]).split('\n').length, 2);
});
