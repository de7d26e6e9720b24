import type { RunComparison } from '../compare';
import { formatDelta, formatPValue } from '../compare';
import { formatCounts, formatDuration, formatLimitSymbol, formatValue, thresholdVerdict } from '../format';
import type { RunReport, TestResult } from '../model';
import { abLatencyCharts, latencyCharts, timeSeriesCharts, type ChartSpec } from './chart-data';
import { CHART_RENDERER, chartLibrary } from './chart-renderer';
import { hexDumpHtml, marksFromChecks, type WireEntryView } from './hex-dump';

/**
 * One run as one self-contained HTML page: verdict first, then every test with its thresholds
 * (measured vs limit), its charts and the evidence behind it. Everything on the page comes from
 * report.json, which holds no key and no full PAN; text is escaped, the chart data is JSON in a
 * script block the page parses (never evaluated as code).
 */
export interface HtmlReportOptions {
  /** A baseline comparison to show (poshil run --baseline). */
  comparison?: RunComparison;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const esc = escapeHtml;

/** JSON that is safe inside a <script> block: no `</script>`, no `<!--`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function anchor(id: string): string {
  return `test-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function badge(state: string): string {
  return `<span class="badge ${esc(state)}">${esc(state)}</span>`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  if (rows.length === 0) return '';
  const head = header.some((h) => h !== '') ? `<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${head}<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function list(items: readonly string[], cls = ''): string {
  return items.length === 0 ? '' : `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

export function renderHtmlReport(report: RunReport, options: HtmlReportOptions = {}): string {
  const { run, summary } = report;
  const charts: ChartSpec[] = [];
  const title = `poshil — ${run.suite.name} — ${summary.verdict.toUpperCase()}`;

  const runRows: string[][] = [
    ['suite', `${esc(run.suite.name)} <code>${esc(run.suite.file)}</code>`],
    ...run.devices.map((d) => ['device', `${esc(d.name)}${d.emulated ? ' (emulated)' : ''} <code>${esc(d.file)}</code>${Object.keys(d.identity).length ? `<br><small>${esc(Object.entries(d.identity).map(([k, v]) => `${k}=${v}`).join(', '))}</small>` : ''}`]),
    ['run', `<code>${esc(run.id)}</code>, seed ${run.seed}`],
    ['started', `${esc(run.startedAt)} (${esc(formatDuration(run.durationMs))})`],
    ['poshil', `${esc(run.poshilVersion)} on node ${esc(run.node)}, ${esc(run.platform)}, host ${esc(run.host)}`],
  ];
  if (run.signer) runRows.push(['signed', `${esc(run.signer.algorithm)} key <code>${esc(run.signer.fingerprint)}</code> (manifest.sig; check with <code>poshil verify</code>)`]);
  if (run.interrupted) runRows.push(['interrupted', `<strong>${esc(run.interrupted)}</strong>`]);

  const overview = table(
    ['test', 'kind', 'interface', 'state', 'duration', 'thresholds'],
    report.tests.map((t) => [
      `<a href="#${anchor(t.id)}">${esc(t.id)}</a>`,
      esc(t.kind),
      esc(t.interface),
      badge(t.state),
      esc(formatDuration(t.durationMs)),
      esc(`${t.thresholds.filter((x) => x.passed).length}/${t.thresholds.length} held`),
    ]),
  );

  const sections = report.tests.map((t, i) => testSection(t, `c${i}`, charts));
  const body = [
    `<header class="${summary.verdict}"><h1>${esc(run.suite.name)}</h1><div class="verdict">${esc(summary.verdict.toUpperCase())}</div><div>${esc(formatCounts(summary))}</div></header>`,
    `<section><h2>Run</h2>${table(['', ''], runRows.map(([k, v]) => [esc(k as string), v as string]), 'kv')}</section>`,
    `<section><h2>Tests</h2>${overview}</section>`,
    options.comparison ? comparisonSection(options.comparison) : '',
    ...sections,
    `<footer>Written by poshil ${esc(run.poshilVersion)}. Charts: uPlot (MIT), inlined. Card numbers are masked (first 6, last 4); no key is ever written to a report.</footer>`,
  ].join('\n');

  return htmlDocument(title, body, charts);
}

/** The page around a body: the inlined chart library and styles, the chart specs, the renderer. */
export function htmlDocument(title: string, body: string, charts: readonly ChartSpec[]): string {
  const lib = chartLibrary();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${lib.css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
${body}
<script type="application/json" id="poshil-charts">${scriptJson(charts)}</script>
<script>${lib.js}</script>
<script>${CHART_RENDERER}</script>
</body>
</html>
`;
}

function testSection(t: TestResult, chartPrefix: string, charts: ChartSpec[]): string {
  const parts: string[] = [];
  parts.push(`<h2 id="${anchor(t.id)}">${esc(t.id)} ${badge(t.state)}</h2>`);
  const meta = [`${esc(t.kind)} on <code>${esc(t.interface)}</code>`, esc(formatDuration(t.durationMs))];
  if (t.requirement) meta.push(`requirement: ${esc(t.requirement)}`);
  parts.push(`<p class="meta">${meta.join(' · ')}</p>`);
  if (t.description) parts.push(`<p>${esc(t.description)}</p>`);
  if (t.error) parts.push(`<p class="error"><strong>${esc(t.error.code)}</strong>: ${esc(t.error.message)}</p>`);
  if (t.skipReason) parts.push(`<p class="skip">skipped: ${esc(t.skipReason)}</p>`);

  if (t.thresholds.length > 0) {
    parts.push('<h3>Thresholds</h3>');
    parts.push(
      table(
        ['metric', 'measured', 'limit', 'verdict'],
        t.thresholds.map((th) => [`<code>${esc(th.metric)}</code>`, esc(formatValue(th.measured, th.unit)), esc(formatLimitSymbol(th.limit, th.unit)), `<span class="${th.passed ? 'pass' : 'fail'}">${esc(thresholdVerdict(th))}</span>`]),
      ),
    );
  }

  const testCharts = [...latencyCharts(t, `${chartPrefix}-lat`), ...abLatencyCharts(t, `${chartPrefix}-ab`), ...timeSeriesCharts(t, `${chartPrefix}-ts`)];
  if (testCharts.length > 0) {
    charts.push(...testCharts);
    parts.push(`<div class="charts">${testCharts.map((c) => `<div class="chart" id="${esc(c.id)}" data-title="${esc(c.title)}"></div>`).join('')}</div>`);
  }

  parts.push(kindEvidence(t));

  if (t.measurements.length > 0) {
    parts.push(`<details><summary>All measurements (${t.measurements.length})</summary>${table(['metric', 'value'], t.measurements.map((m) => [`<code>${esc(m.name)}</code>`, esc(formatValue(m.value, m.unit))]))}</details>`);
  }
  if (t.notes && t.notes.length > 0) parts.push(`<h3>Notes</h3>${list(t.notes)}`);
  if (t.wireTrace) parts.push(`<p class="meta">Masked wire trace: <a href="${esc(t.wireTrace)}">${esc(t.wireTrace)}</a></p>`);
  return `<section class="test ${esc(t.state)}">${parts.join('\n')}</section>`;
}

/** What each kind keeps as evidence, shown the way that kind is read. */
function kindEvidence(t: TestResult): string {
  const d = t.details ?? {};
  const out: string[] = [];
  if (Array.isArray(d.steps) && t.kind === 'conformance') out.push(conformanceSteps(d.steps as ConformanceStep[]));
  if (Array.isArray(d.checks) && t.kind === 'encryption') out.push(encryptionChecks(d.checks as EncryptionCheck[], d.scheme, d.card));
  if (t.kind === 'stability') out.push(stabilityEvidence(d));
  if (t.kind === 'compatibility' && Array.isArray(d.matrix)) out.push(compatibilityMatrix(d));
  if (t.kind === 'migration' && d.totals) out.push(migrationEvidence(d));
  if (t.kind === 'robustness' && d.byCategory) out.push(robustnessEvidence(d));
  if (t.kind === 'stress' && Array.isArray(d.steps)) {
    const steps = d.steps as { rate: number; sustainable: boolean; broke?: string[]; figures?: Record<string, number | null> }[];
    out.push('<h3>Capacity search</h3>');
    out.push(
      table(
        ['offered tps', 'achieved tps', 'p99', 'sustainable', 'broke on'],
        steps.map((s) => [esc(String(s.rate)), esc(formatValue(s.figures?.achieved_tps ?? null, 'tps')), esc(formatValue(s.figures?.p99_ms ?? null, 'ms')), s.sustainable ? '<span class="pass">yes</span>' : '<span class="fail">no</span>', esc((s.broke ?? []).join('; '))]),
      ),
    );
  }
  return out.join('\n');
}

interface ConformanceStep {
  id?: string;
  requirement?: string;
  verdict?: string;
  elapsedMs?: number;
  error?: string;
  checks?: { what?: string; expected?: string; actual?: string; pass?: boolean }[];
  wire?: WireEntryView[];
}

function conformanceSteps(steps: ConformanceStep[]): string {
  const out = ['<h3>Steps</h3>'];
  for (const s of steps) {
    const verdict = s.verdict ?? 'n/a';
    out.push(`<details class="step"${verdict !== 'pass' ? ' open' : ''}><summary><span class="${verdict === 'pass' ? 'pass' : 'fail'}">${esc(verdict)}</span> <strong>${esc(s.id ?? '')}</strong>${s.requirement ? ` — ${esc(s.requirement)}` : ''}${s.elapsedMs !== undefined ? ` <small>(${esc(formatValue(s.elapsedMs, 'ms'))})</small>` : ''}</summary>`);
    if (s.error) out.push(`<p class="error">${esc(s.error)}</p>`);
    const checks = s.checks ?? [];
    out.push(table(['check', 'expected', 'actual', ''], checks.map((c) => [esc(c.what ?? ''), `<code>${esc(c.expected ?? '')}</code>`, `<code>${esc(c.actual ?? '')}</code>`, c.pass ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>'])));
    const marks = marksFromChecks(checks);
    for (const w of s.wire ?? []) {
      if (typeof w.hex === 'string') out.push(hexDumpHtml(w, w.dir === 'in' ? marks : [], esc));
    }
    out.push('</details>');
  }
  return out.join('\n');
}

interface EncryptionCheck {
  check?: string;
  requirement?: string;
  passed?: boolean;
  evidence?: string[];
  findings?: string[];
}

function encryptionChecks(checks: EncryptionCheck[], scheme: unknown, card: unknown): string {
  const out = [`<h3>Checks</h3><p class="meta">${typeof scheme === 'string' ? `scheme ${esc(scheme)}` : ''}${typeof card === 'string' ? ` · test card ${esc(card)}` : ''}</p>`];
  for (const c of checks) {
    out.push(`<div class="check"><div><span class="${c.passed ? 'pass' : 'fail'}">${c.passed ? 'pass' : 'FAIL'}</span> <strong>${esc(c.check ?? '')}</strong>${c.requirement ? ` — ${esc(c.requirement)}` : ''}</div>`);
    if (c.findings && c.findings.length > 0) out.push(`<div class="findings">Findings:${list(c.findings)}</div>`);
    if (c.evidence && c.evidence.length > 0) out.push(`<div class="evidence">Evidence:${list(c.evidence)}</div>`);
    out.push('</div>');
  }
  return out.join('\n');
}

function stabilityEvidence(d: Record<string, unknown>): string {
  const out: string[] = [];
  const ledger = d.ledger as Record<string, number> | undefined;
  if (ledger) {
    out.push('<h3>Ledger</h3>');
    out.push(table(Object.keys(ledger), [Object.values(ledger).map((v) => esc(String(v)))]));
  }
  const faults = d.faults as { index: number; type: string; description?: string; startMs: number; endMs: number | null }[] | undefined;
  const recoveries = new Map(((d.recoveries as { fault: number; ms: number }[] | undefined) ?? []).map((r) => [r.fault, r.ms]));
  if (Array.isArray(faults) && faults.length > 0) {
    out.push('<h3>Injected faults</h3>');
    out.push(
      table(
        ['fault', 'from', 'to', 'recovered after'],
        [...faults]
          .sort((a, b) => a.startMs - b.startMs)
          .map((f) => [esc(f.description ?? f.type), esc(formatDuration(f.startMs)), f.endMs === null ? 'end of run' : esc(formatDuration(f.endMs)), recoveries.has(f.index) ? esc(formatValue(recoveries.get(f.index) as number, 'ms')) : '—']),
      ),
    );
  }
  const unresolved = d.unresolved as { stan: string; why: string }[] | undefined;
  if (Array.isArray(unresolved) && unresolved.length > 0) out.push(`<h3>Unresolved</h3>${list(unresolved.map((u) => `STAN ${u.stan}: ${u.why}`))}`);
  return out.join('\n');
}

interface MatrixRowView {
  id: string;
  type: string;
  verdict: string;
  a: Record<string, unknown>;
  b: Record<string, unknown>;
  differences: { field: string; a: unknown; b: unknown }[];
}

function outcomeText(o: Record<string, unknown>): string {
  if (typeof o.error === 'string') return o.error;
  return `${String(o.result)} (${String(o.reason)})${o.amountMinor !== null && o.amountMinor !== undefined ? `, ${String(o.amountMinor)}` : ''}`;
}

/** Transaction × target → same / different / unsupported, with both outcomes and what differs. */
function compatibilityMatrix(d: Record<string, unknown>): string {
  const a = d.a as { interface?: string; protocol?: string } | undefined;
  const b = d.b as { interface?: string; protocol?: string } | undefined;
  const rows = (d.matrix as MatrixRowView[]).map((r) => [
    esc(r.id),
    esc(r.type),
    esc(outcomeText(r.a)),
    esc(outcomeText(r.b)),
    `<span class="${r.verdict === 'same' ? 'pass' : 'fail'}">${esc(r.verdict)}</span>`,
    esc(r.differences.map((x) => `${x.field}: ${String(x.a)} ≠ ${String(x.b)}`).join('; ')),
  ]);
  const ignored = Array.isArray(d.ignore) ? `ignored as volatile: ${(d.ignore as string[]).join(', ') || 'nothing'}` : '';
  return `<h3>Compatibility matrix</h3><p class="meta">A = ${esc(a?.interface ?? '?')} (${esc(a?.protocol ?? '?')}), B = ${esc(b?.interface ?? '?')} (${esc(b?.protocol ?? '?')}); ${esc(ignored)}</p>${table(['transaction', 'type', `A ${a?.interface ?? ''}`, `B ${b?.interface ?? ''}`, 'verdict', 'differences'], rows)}`;
}

function migrationEvidence(d: Record<string, unknown>): string {
  const totals = d.totals as Record<string, { count: number; amountMinor: number }>;
  const from = d.from as { interface?: string } | undefined;
  const to = d.to as { interface?: string } | undefined;
  const traces = d.traces as { before?: string[]; after?: string[] } | undefined;
  const rows = Object.entries(totals).map(([k, v]) => [esc(k), esc(String(v.count)), esc(String(v.amountMinor))]);
  return `<h3>Migration ${esc(from?.interface ?? '?')} → ${esc(to?.interface ?? '?')}</h3>${table(['device totals', 'sales', 'amount (minor units)'], rows)}<p class="meta">trace numbers before the switch: ${esc((traces?.before ?? []).join(', '))}; after: ${esc((traces?.after ?? []).join(', '))}</p>`;
}

interface RobustnessFailure {
  case: string;
  category: string;
  verdict: string;
  answer?: string;
  minimal?: string;
  minimalBytes?: number;
}

/** Cases by category and verdict; each failure with the smallest input that still fails, as a hex dump. */
function robustnessEvidence(d: Record<string, unknown>): string {
  const byCategory = d.byCategory as Record<string, Record<string, number>>;
  const verdicts = [...new Set(Object.values(byCategory).flatMap((v) => Object.keys(v)))].sort();
  const rows = Object.entries(byCategory).map(([category, counts]) => [esc(category), ...verdicts.map((v) => esc(String(counts[v] ?? 0)))]);
  const out = [`<h3>Malformed-input campaign</h3><p class="meta">${esc(String(d.protocol ?? ''))} over ${esc(String(d.framing ?? ''))}, seed ${esc(String(d.seed ?? ''))}, connection ${esc(String(d.connection ?? ''))}</p>`, table(['category', ...verdicts], rows)];
  const failures = (d.failures as RobustnessFailure[] | undefined) ?? [];
  if (failures.length > 0) {
    out.push(`<h3>Failures (${failures.length}), each with the smallest input that still fails</h3>`);
    for (const f of failures.slice(0, 20)) {
      out.push(`<div class="check"><span class="fail">${esc(f.verdict)}</span> <strong>${esc(f.case)}</strong> (${esc(f.category)})${f.answer ? `: answered ${esc(f.answer)}` : ''}</div>`);
      if (f.minimal) out.push(hexDumpHtml({ dir: 'out', hex: f.minimal }, [], esc));
    }
    if (failures.length > 20) out.push(`<p class="meta">… and ${failures.length - 20} more in report.json</p>`);
  }
  return out.join('\n');
}

function comparisonSection(c: RunComparison): string {
  const rows = c.tests.flatMap((t) =>
    t.metrics.map((m) => [esc(t.id), `<code>${esc(m.metric)}</code>`, esc(formatValue(m.baseline, m.unit)), esc(formatValue(m.current, m.unit)), esc(formatDelta(m.deltaPct)), esc(formatPValue(m.pValue)), `<span class="${m.verdict === 'regression' ? 'fail' : m.verdict === 'improvement' ? 'pass' : ''}">${esc(m.verdict)}</span>`, esc(m.reason)]),
  );
  return `<section><h2>Compared with baseline ${esc(c.baseline.id)}: ${esc(c.summary.verdict)}</h2>
<p class="meta">${c.summary.regressions} regressions, ${c.summary.improvements} improvements over ${c.summary.comparedMetrics} metrics; tolerance ±${c.options.tolerancePct}%, alpha ${c.options.alpha}.</p>
${list(c.warnings, 'warnings')}
${table(['test', 'metric', 'baseline', 'current', 'delta', 'p', 'verdict', 'why'], rows)}</section>`;
}

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1040px; padding: 0 16px 40px; color: #1d2125; }
header { margin: 16px 0; padding: 16px 20px; border-radius: 6px; color: #fff; }
header.passed { background: #2b8a3e; } header.failed { background: #c92a2a; }
header h1 { margin: 0; font-size: 22px; } header .verdict { font-size: 28px; font-weight: 700; }
h2 { border-bottom: 1px solid #dee2e6; padding-bottom: 4px; margin-top: 32px; }
h3 { margin: 18px 0 6px; font-size: 15px; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } table.kv td:first-child { font-weight: 600; white-space: nowrap; }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; color: #fff; vertical-align: middle; }
.badge.passed { background: #2b8a3e; } .badge.failed { background: #c92a2a; } .badge.errored { background: #e67700; } .badge.skipped { background: #868e96; }
.pass { color: #2b8a3e; font-weight: 600; } .fail { color: #c92a2a; font-weight: 700; }
.meta { color: #495057; } .error { color: #c92a2a; } .skip { color: #868e96; }
.charts { display: flex; flex-direction: column; gap: 12px; } .chart { min-height: 300px; }
pre.hex { font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; background: #f8f9fa; padding: 8px; overflow-x: auto; margin: 4px 0; }
mark { background: #ffe066; } .marks { font-size: 12px; color: #495057; } .marks span { margin-right: 10px; }
.wire-head { font-size: 12px; color: #495057; margin-top: 8px; }
details.step { margin: 6px 0; padding: 4px 8px; border: 1px solid #e9ecef; border-radius: 4px; }
.check { margin: 8px 0; } .findings { color: #c92a2a; } ul.warnings { color: #e67700; }
footer { margin-top: 40px; color: #868e96; font-size: 12px; }
`;
