import { formatDelta } from '../compare';
import { formatValue } from '../format';
import type { TrendResult, TrendSeries } from '../trend';
import type { ChartSpec } from './chart-data';
import { escapeHtml as esc, htmlDocument, list, table } from './page';

/** `poshil trend` as a page: the verdicts table, then one chart per measurement, drifts first. */
export function renderTrendHtml(trend: TrendResult): string {
  const order = { drift: 0, improving: 1, stable: 2, 'too few runs': 3 } as const;
  const series = [...trend.series].sort((a, b) => order[a.verdict] - order[b.verdict]);
  const labels = trend.runs.map((r) => `${r.startedAt.slice(0, 16).replace('T', ' ')} ${r.id}`);
  const charts: ChartSpec[] = series.map((s, i) => ({
    id: `trend-${i}`,
    title: `${s.test} · ${s.metric}: ${s.verdict}${s.changePct !== null ? ` (${formatDelta(s.changePct)})` : ''}`,
    xLabel: 'run (oldest → newest)',
    yLabels: [s.unit || s.metric],
    xs: trend.runs.map((_, k) => k + 1),
    series: [{ label: s.metric, values: s.values }],
  }));
  const verdictCell = (s: TrendSeries) => `<span class="${s.verdict === 'drift' ? 'fail' : s.verdict === 'improving' ? 'pass' : ''}">${esc(s.verdict)}</span>`;
  const rows = series.map((s) => {
    const present = s.values.filter((v): v is number => v !== null);
    return [esc(s.test), `<code>${esc(s.metric)}</code>`, String(s.n), esc(formatValue(present[0] ?? null, s.unit)), esc(formatValue(present.at(-1) ?? null, s.unit)), esc(formatDelta(s.changePct)), s.pValue === null ? '—' : esc(s.pValue < 0.001 ? 'p<0.001' : `p=${s.pValue.toFixed(3)}`), verdictCell(s), esc(s.reason)];
  });
  const verdict = trend.summary.drifts > 0 ? 'failed' : 'passed';
  const body = [
    `<header class="${verdict}"><h1>Trend: ${esc(trend.suite)}</h1><div class="verdict">${trend.summary.drifts > 0 ? `${trend.summary.drifts} DRIFTING` : 'NO DRIFT'}</div><div>${trend.runs.length} runs, ${trend.summary.followed} measurements followed; Mann–Kendall at alpha ${trend.options.alpha}, tolerance ±${trend.options.tolerancePct}% (Sen's slope across the window)</div></header>`,
    list(trend.warnings, 'warnings'),
    `<section><h2>Measurements</h2>${table(['test', 'metric', 'runs', 'first', 'last', 'change', 'p', 'verdict', 'why'], rows)}</section>`,
    `<section><h2>Runs</h2>${list(labels)}</section>`,
    `<section><h2>Charts</h2><div class="charts">${charts.map((c) => `<div class="chart" id="${esc(c.id)}"></div>`).join('')}</div></section>`,
  ].join('\n');
  return htmlDocument(`poshil trend — ${trend.suite}`, body, charts);
}
