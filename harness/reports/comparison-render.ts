import { formatTextTable, formatValue, visibleControlChars } from './format';
import { escapeMarkdown, markdownCode } from './markdown-writer';
import { formatDelta, formatPValue, type MetricComparison, type MetricVerdict, type RunComparison } from './compare';

/**
 * A run comparison (harness/reports/compare.ts) as a console table and as Markdown for PR
 * comments and `$GITHUB_STEP_SUMMARY`. Pure: renders without touching the disk.
 */

const VERDICT_TEXT: Record<MetricVerdict, string> = {
  regression: 'REGRESSION',
  improvement: 'improvement',
  'no change': 'no change',
  'not compared': 'not compared',
};

function method(c: RunComparison): string {
  const o = c.options;
  return `a change counts when it exceeds ±${o.tolerancePct}%; p50/p99 must also be significant at alpha ${o.alpha} (bootstrap from the histograms, ${o.resamples} resamples)`;
}

function headline(c: RunComparison): string {
  const s = c.summary;
  if (s.verdict === 'regression') return `REGRESSION: ${s.regressions} metric${s.regressions === 1 ? '' : 's'} worse than the baseline`;
  if (s.verdict === 'improvement') return `improvement: ${s.improvements} metric${s.improvements === 1 ? '' : 's'} better than the baseline, none worse`;
  return `no change: ${s.comparedMetrics} metric${s.comparedMetrics === 1 ? '' : 's'} in ${s.comparedTests} test${s.comparedTests === 1 ? '' : 's'} within tolerance or noise`;
}

function cells(m: MetricComparison): string[] {
  return [m.test, m.metric, formatValue(m.baseline, m.unit), formatValue(m.current, m.unit), formatDelta(m.deltaPct), formatPValue(m.pValue), VERDICT_TEXT[m.verdict]];
}

const HEADER = ['test', 'metric', 'baseline', 'current', 'delta', 'p', 'verdict'];

/** The console form: what was compared with what, one row per metric, then the verdict. */
export function renderComparisonText(c: RunComparison): string {
  const one = (s: string) => visibleControlChars(s, false);
  const lines = [`comparison with baseline ${one(c.baseline.id)}${c.baseline.file ? ` (${one(c.baseline.file)})` : ''}`, `  ${method(c)}`];
  for (const w of c.warnings) lines.push(`  warning: ${one(w)}`);
  const rows = c.tests.flatMap((t) => t.metrics.map((m) => cells(m).map(one)));
  if (rows.length > 0) lines.push('', ...formatTextTable([HEADER, ...rows]));
  const notes = c.tests.flatMap((t) => t.notes.map((n) => `${t.id}: ${n}`));
  if (notes.length > 0) lines.push('', ...notes.map((n) => one(n)));
  if (c.onlyInBaseline.length > 0) lines.push(`only in the baseline: ${c.onlyInBaseline.map(one).join(', ')}`);
  if (c.onlyInCurrent.length > 0) lines.push(`only in the current run: ${c.onlyInCurrent.map(one).join(', ')}`);
  const regressions = c.tests.flatMap((t) => t.metrics.filter((m) => m.verdict === 'regression'));
  lines.push('', `comparison: ${headline(c)}`);
  for (const m of regressions) lines.push(`  ${one(m.test)} ${m.metric}: ${formatValue(m.baseline, m.unit)} → ${formatValue(m.current, m.unit)}, ${m.reason}`);
  return `${lines.join('\n')}\n`;
}

/** The Markdown form, for a PR comment or a CI job summary. */
export function renderComparisonMarkdown(c: RunComparison): string {
  const s = c.summary;
  const title = s.verdict === 'regression' ? 'REGRESSION' : s.verdict === 'improvement' ? 'improvement' : 'no change';
  const lines = [`## poshil comparison — ${title}`, ''];
  lines.push(`Run ${markdownCode(c.current.id)} (suite ${escapeMarkdown(c.current.suite)}) against the baseline ${markdownCode(c.baseline.id)} (${escapeMarkdown(c.baseline.startedAt)}): **${escapeMarkdown(headline(c))}**.`, '');
  const rule = method(c);
  lines.push(`${escapeMarkdown(rule.charAt(0).toUpperCase() + rule.slice(1))}.`, '');
  for (const w of c.warnings) lines.push(`> **Warning:** ${escapeMarkdown(w)}`, '');
  const rows = c.tests.flatMap((t) => t.metrics);
  if (rows.length > 0) {
    lines.push('| Test | Metric | Baseline | Current | Δ | p | Verdict |', '|---|---|---:|---:|---:|---:|---|');
    for (const m of rows) {
      const [test, metric, ...rest] = cells(m);
      const verdict = m.verdict === 'regression' ? '**REGRESSION**' : escapeMarkdown(rest[4] as string);
      lines.push(`| ${markdownCode(test as string, { inTable: true })} | ${markdownCode(metric as string, { inTable: true })} | ${rest.slice(0, 4).map(escapeMarkdown).join(' | ')} | ${verdict} |`);
    }
    lines.push('');
  }
  const notes = c.tests.flatMap((t) => t.notes.map((n) => `${markdownCode(t.id)}: ${escapeMarkdown(n)}`));
  if (c.onlyInBaseline.length > 0) notes.push(`only in the baseline: ${c.onlyInBaseline.map((id) => markdownCode(id)).join(', ')}`);
  if (c.onlyInCurrent.length > 0) notes.push(`only in the current run: ${c.onlyInCurrent.map((id) => markdownCode(id)).join(', ')}`);
  if (notes.length > 0) lines.push(...notes.map((n) => `- ${n}`), '');
  while (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
