import { LatencyHistogram } from '../../harness/metrics/latency-histogram';
import { latencyCharts, timeSeriesCharts } from '../../harness/reports/html/chart-data';
import { hexDumpHtml, locateMarks, marksFromChecks, parseTraceHex } from '../../harness/reports/html/hex-dump';
import { escapeHtml, renderHtmlReport, scriptJson } from '../../harness/reports/html/page';
import type { TestResult } from '../../harness/reports/model';
import { runReport } from '../helpers/report-fixture';

/**
 * The HTML report as a document: self-contained (the chart library inlined, nothing fetched),
 * everything from report.json escaped, one chart per distribution and time series, and the
 * evidence of each kind laid out the way it is read. (test/reports/html-report.browser.test.ts
 * opens it in Chromium.)
 */
function histogramOf(samplesMs: number[]): { unit: string; encoding: string; value: string } {
  const h = new LatencyHistogram();
  for (const ms of samplesMs) h.recordNs(BigInt(Math.round(ms * 1e6)));
  return { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: h.encode() };
}

function test(over: Partial<TestResult>): TestResult {
  return {
    id: 'sale',
    kind: 'latency',
    interface: 'ecr',
    state: 'passed',
    startedAt: '2026-11-24T10:00:00.000Z',
    endedAt: '2026-11-24T10:00:01.000Z',
    durationMs: 1000,
    measurements: [{ name: 'p99_ms', unit: 'ms', value: 4.2 }],
    thresholds: [{ metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 4.2, passed: true, message: '' }],
    ...over,
  };
}

describe('HTML report', () => {
  const samples = Array.from({ length: 1000 }, (_, i) => 1 + (i % 100) / 10);
  const latency = test({ details: { histogram: histogramOf(samples) } });

  it('is one self-contained page: the chart library inlined, no script or stylesheet fetched from anywhere', () => {
    const html = renderHtmlReport(runReport([latency]));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('leads with the verdict and shows each threshold as measured against its limit', () => {
    const failing = test({ id: 'slow', state: 'failed', thresholds: [{ metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 62.4, passed: false, message: '' }] });
    const html = renderHtmlReport(runReport([latency, failing]));
    expect(html).toContain('<header class="failed">');
    expect(html).toContain('FAILED');
    expect(html).toMatch(/<code>p99_ms<\/code><\/td><td>62\.40 ms<\/td><td>≤ 50 ms<\/td><td><span class="fail">FAIL<\/span>/);
    expect(html).toMatch(/<code>p99_ms<\/code><\/td><td>4\.20 ms<\/td><td>≤ 50 ms<\/td><td><span class="pass">pass<\/span>/);
  });

  it('escapes everything that comes from a suite, a device or the wire', () => {
    const hostile = test({ id: 'x"><script>alert(1)</script>', notes: ['<img src=x onerror=alert(1)>'] });
    const html = renderHtmlReport(runReport([hostile]));
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('spec &lt;suite&gt;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('embeds chart data as JSON that cannot close its script block', () => {
    expect(scriptJson({ title: '</script><script>alert(1)</script>' })).not.toContain('</script>');
    expect(JSON.parse(scriptJson({ title: '</script>' }))).toEqual({ title: '</script>' });
  });

  it('draws a latency histogram and a percentile spectrum from the HDR histogram in report.json', () => {
    const charts = latencyCharts(latency, 'c0');
    expect(charts.map((c) => c.id)).toEqual(['c0-histogram', 'c0-spectrum']);
    const [histogram, spectrum] = charts;
    // Every sample lands in a bin.
    expect((histogram!.series[0]!.values as number[]).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(histogram!.xScale).toBe('log');
    // The spectrum's x is 1/(1-p): 1 at 0 %, 10 at 90 %, 100 at 99 %, 1000 at 99.9 %; no further
    // than 1,000 samples can resolve, and latency never falls as the percentile rises.
    expect(spectrum!.xScale).toBe('percentile');
    expect(spectrum!.xs).toEqual(expect.arrayContaining([1, 10, 100, 1000]));
    expect(Math.max(...spectrum!.xs)).toBeLessThanOrEqual(1000);
    const ys = spectrum!.series[0]!.values as number[];
    expect(ys.every((y, i) => i === 0 || y >= (ys[i - 1] as number))).toBe(true);
    expect(ys.at(-1)).toBeCloseTo(10.9, 1);
    expect(latencyCharts(test({ details: {} }), 'c1')).toEqual([]);
  });

  it('draws stability windows with the injected faults shaded, and stress seconds', () => {
    const windows = [1, 2, 3].map((t) => ({ t_s: t, transactions: 100, approved: 99, errors: 1, reconnects: t === 2 ? 1 : 0, tps: 99, p50_ms: 1, p99_ms: 5, faults_active: t === 2 ? 1 : 0 }));
    const stability = test({ kind: 'stability', details: { windows, faults: [{ index: 0, type: 'disconnect', description: 'disconnect for 200 ms', startMs: 1200, endMs: 1400 }] } });
    const charts = timeSeriesCharts(stability, 's');
    expect(charts.map((c) => c.title)).toEqual(expect.arrayContaining([expect.stringContaining('Throughput'), expect.stringContaining('Latency'), expect.stringContaining('reconnects')]));
    expect(charts[0]!.bands).toEqual([{ from: 1.2, to: 1.4, label: 'disconnect for 200 ms' }]);
    const stress = test({ kind: 'stress', details: { timeSeries: [{ t_s: 1, offered: 100, sent: 100, completed: 100, errors: 0, dropped: 0, achieved_tps: 100, p50_ms: 1, p99_ms: 2, max_ms: 3, in_flight: 0, backlog: 0 }] } });
    expect(timeSeriesCharts(stress, 't').map((c) => c.series.map((s) => s.label))).toEqual([['offered', 'achieved'], ['p50', 'p99'], ['errors', 'dropped']]);
  });

  it('shows conformance steps with the wire as an annotated hex dump, masked bytes kept masked', () => {
    const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex');
    const response = '0055' + ascii('0210') + ascii('0000') + ascii('000002') + ascii('00');
    const steps = [
      {
        id: 'sale-approved',
        verdict: 'pass',
        checks: [
          { what: 'MTI', expected: '0210', actual: '0210', pass: true },
          { what: 'field 11', expected: 'echo', actual: '"000002"', pass: true },
          { what: 'field 2', expected: 'absent', actual: 'absent', pass: true },
        ],
        wire: [
          { dir: 'out', hex: ascii('0200') + ascii('476173') + '************' + ascii('0119') },
          { dir: 'in', hex: response },
        ],
      },
    ];
    const html = renderHtmlReport(runReport([test({ kind: 'conformance', details: { steps } })]));
    expect(html).toContain('<strong>sale-approved</strong>');
    expect(html).toContain('0200476173******');
    expect(html).toContain('34 37 36 31 37 33 ** ** ** ** ** **');
    expect(html).toContain('<mark title="field 11">');
    expect(html).toContain('<mark title="MTI">');
  });

  it('finds each checked field in the frame, in field order, and leaves out what is not there', () => {
    const bytes = parseTraceHex(Buffer.from('0210000002000002', 'ascii').toString('hex'));
    expect(locateMarks(bytes, [{ label: 'MTI', value: '0210' }, { label: 'field 11', value: '000002' }, { label: 'field 99', value: 'XYZ' }])).toEqual([
      { start: 0, end: 4, label: 'MTI' },
      { start: 4, end: 10, label: 'field 11' },
    ]);
    expect(parseTraceHex('30**31')).toEqual([0x30, null, 0x31]);
    expect(marksFromChecks([{ what: 'time', actual: '3 ms' }, { what: 'field 4', actual: '"000000001234"' }])).toEqual([{ label: 'field 4', value: '000000001234' }]);
    const dump = hexDumpHtml({ dir: 'in', hex: Buffer.from('<b>', 'ascii').toString('hex') }, [], escapeHtml);
    expect(dump).toContain('&lt;b&gt;');
    expect(dump).toContain('device → poshil, 3 bytes');
  });

  it('lists encryption checks with their findings and evidence', () => {
    const checks = [{ check: 'no-clear-pan', requirement: 'ENC-PAN-001', passed: false, evidence: ['scanned 12 frames'], findings: ['PAN 476173******0119 in clear in frame 3'] }];
    const html = renderHtmlReport(runReport([test({ kind: 'encryption', state: 'failed', details: { checks, scheme: 'tdes', card: '476173******0119' } })]));
    expect(html).toMatch(/<span class="fail">FAIL<\/span> <strong>no-clear-pan<\/strong> — ENC-PAN-001/);
    expect(html).toContain('PAN 476173******0119 in clear in frame 3');
    expect(html).toContain('scanned 12 frames');
  });

  it('names the signer when the run is signed', () => {
    const report = runReport([latency]);
    report.run.signer = { algorithm: 'Ed25519', fingerprint: `sha256:${'ef'.repeat(32)}` };
    expect(renderHtmlReport(report)).toContain(`sha256:${'ef'.repeat(32)}`);
  });

  it('lays out the compatibility matrix, the migration totals and the robustness failures with their smallest input', () => {
    const approved = { result: 'approved', reason: 'approved', amountMinor: 1234 };
    const matrix = [
      { id: 'sale', type: 'sale', verdict: 'same', a: approved, b: approved, differences: [] },
      { id: 'declined', type: 'sale', verdict: 'different', a: { result: 'declined', reason: 'insufficient-funds' }, b: { result: 'declined', reason: 'declined' }, differences: [{ field: 'reason', a: 'insufficient-funds', b: 'declined' }] },
    ];
    const compat = test({ id: 'ab', kind: 'compatibility', details: { a: { interface: 'ecr-rs232', protocol: 'iso8583' }, b: { interface: 'ecr-tcp', protocol: 'iso8583' }, ignore: ['stan'], matrix } });
    const migration = test({ id: 'move', kind: 'migration', details: { from: { interface: 'ecr-rs232' }, to: { interface: 'ecr-tcp' }, totals: { start: { count: 0, amountMinor: 0 }, afterSwitch: { count: 16, amountMinor: 19744 } }, traces: { before: ['1'], after: ['2'] } } });
    const robust = test({ id: 'rob', kind: 'robustness', state: 'failed', details: { protocol: 'iso8583', framing: 'length-prefix', seed: 1, byCategory: { 'oversize-length': { death: 3, ignored: 2 } }, failures: [{ case: 'oversize-length-2', category: 'oversize-length', verdict: 'death', minimal: '7E2E' }] } });
    const html = renderHtmlReport(runReport([compat, migration, robust]));
    expect(html).toContain('<h3>Compatibility matrix</h3>');
    expect(html).toMatch(/<td>declined<\/td><td>sale<\/td><td>declined \(insufficient-funds\)<\/td><td>declined \(declined\)<\/td><td><span class="fail">different<\/span><\/td><td>reason: insufficient-funds ≠ declined<\/td>/);
    expect(html).toContain('Migration ecr-rs232 → ecr-tcp');
    expect(html).toMatch(/<td>afterSwitch<\/td><td>16<\/td><td>19744<\/td>/);
    expect(html).toMatch(/<td>oversize-length<\/td><td>3<\/td><td>2<\/td>/);
    expect(html).toContain('<strong>oversize-length-2</strong>');
    expect(html).toContain('0000  7e 2e');
  });
});
