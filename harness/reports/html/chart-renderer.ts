import { readFileSync } from 'node:fs';

/**
 * The chart library and the few lines that feed it, inlined into every HTML report so the file
 * opens from disk, from an e-mail attachment or on a lab PC with no network.
 *
 * uPlot (MIT, a maintained canvas chart library, ~50 kB minified) is read from node_modules when
 * a report is written; the renderer below is ours: it turns each ChartSpec (chart-data.ts) into a
 * uPlot chart, shades fault bands, labels a percentile axis the way HdrHistogram plots it, and
 * marks each container `data-rendered` once its canvas is drawn (the browser test waits for it).
 */
let cached: { js: string; css: string } | undefined;

export function chartLibrary(): { js: string; css: string } {
  if (cached) return cached;
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  cached = { js, css };
  return cached;
}

/** The page script: reads the chart specs from the JSON block and draws them. Plain ES2017. */
export const CHART_RENDERER = String.raw`
(function () {
  'use strict';
  var COLOURS = ['#1f6fb2', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285'];
  var specs = JSON.parse(document.getElementById('poshil-charts').textContent);

  function percentileLabel(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    var digits = Math.max(0, Math.ceil(-Math.log10(100 - p)) + 1);
    var text = p.toFixed(Math.min(6, digits));
    if (text.indexOf('.') >= 0) text = text.replace(/0+$/, '').replace(/\.$/, '');
    return text + '%';
  }

  // 1, 10, 100, … up to the axis maximum: 0 %, 90 %, 99 %, 99.9 %, as HdrHistogram labels it.
  function powersOfTen(u, axisIdx, min, max) {
    var out = [];
    for (var v = 1; v <= max * 1.0001; v *= 10) out.push(v);
    return out;
  }

  function bandsHook(bands) {
    return function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = 'rgba(224, 49, 49, 0.12)';
      ctx.strokeStyle = 'rgba(224, 49, 49, 0.5)';
      bands.forEach(function (b) {
        var x0 = u.valToPos(b.from, 'x', true);
        var x1 = u.valToPos(b.to, 'x', true);
        var left = Math.max(u.bbox.left, Math.min(x0, x1));
        var right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1, left + 2));
        if (right > left) ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
      });
      ctx.restore();
    };
  }

  function draw(spec, container, width) {
    var xLog = spec.xScale === 'log' || spec.xScale === 'percentile';
    var twoAxes = spec.yLabels.length > 1;
    var series = [{ label: spec.xLabel, value: spec.xScale === 'percentile' ? function (u, v) { return v == null ? '' : percentileLabel(v); } : undefined }];
    spec.series.forEach(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      var line = { label: s.label, stroke: colour, width: 2, scale: s.axis === 1 ? 'y2' : 'y', spanGaps: false, points: { show: spec.xs.length < 40 } };
      if (s.bars) {
        line.paths = uPlot.paths.bars({ size: [0.8, 40] });
        line.fill = colour + '99';
        line.width = 1;
        line.points = { show: false };
      }
      series.push(line);
    });
    var axes = [
      spec.xScale === 'percentile'
        ? { label: spec.xLabel, splits: powersOfTen, values: function (u, ticks) { return ticks.map(percentileLabel); } }
        : { label: spec.xLabel },
      { label: spec.yLabels[0], scale: 'y' },
    ];
    if (twoAxes) axes.push({ label: spec.yLabels[1], scale: 'y2', side: 1, grid: { show: false } });
    var scales = { x: { time: false }, y: {} };
    if (xLog) scales.x = { time: false, distr: 3, log: 10 };
    if (twoAxes) scales.y2 = {};
    var hooks = {};
    if (spec.bands && spec.bands.length) hooks.drawClear = [bandsHook(spec.bands)];
    hooks.draw = [function () { container.setAttribute('data-rendered', '1'); }];
    var data = [spec.xs].concat(spec.series.map(function (s) { return s.values; }));
    return new uPlot({ title: spec.title, width: width, height: 260, series: series, axes: axes, scales: scales, hooks: hooks, legend: { live: true } }, data, container);
  }

  function render() {
    specs.forEach(function (spec) {
      var container = document.getElementById(spec.id);
      if (!container) return;
      try {
        var width = Math.max(320, Math.min(960, container.clientWidth || 800));
        draw(spec, container, width);
      } catch (err) {
        container.textContent = 'chart could not be drawn: ' + err.message;
        container.setAttribute('data-error', '1');
        console.error('poshil chart ' + spec.id + ': ' + err.message);
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
  else render();
})();
`;
