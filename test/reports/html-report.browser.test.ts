import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { HtmlWriter } from '../../harness/reports/html-writer';
import { renderTrendHtml } from '../../harness/reports/html/trend-page';
import { trendReports } from '../../harness/reports/trend';
import { JsonWriter } from '../../harness/reports/json-writer';
import { ReporterMultiplexer } from '../../harness/reports/multiplexer';
import { runSuite } from '../../harness/runner/runner';
import { loadSuite } from '../../harness/suite/load';
import type { Suite, SuiteTest } from '../../harness/suite/types';
import { describeWithBrowser } from '../helpers/browser';
import { runReport } from '../helpers/report-fixture';
import { testSale as sale, virtualTerminal } from '../helpers/run-one-test';

/**
 * The HTML report in a real browser: a run of latency, stress, stability and conformance tests
 * against the emulated terminal, written by the html reporter, opened from disk in headless
 * Chromium. The page must load with no console error, every chart must have drawn its data
 * (coloured pixels inside the plot, not just axes), and a screenshot is kept in
 * test-artifacts/ for a person to look at.
 */
const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

describeWithBrowser('HTML report in headless Chromium', (executablePath) => {
  let browser: Browser;
  let reportFile: string;

  beforeAll(async () => {
    const conformance = loadSuite(path.join(ROOT, 'suites/conformance-iso8583.json')).tests;
    const tests: SuiteTest[] = [
      { id: 'sale-latency', kind: 'latency', interface: 'ecr', params: { transaction: sale, iterations: 300, warmup: { iterations: 10 } }, thresholds: { p99_ms: { max: 500 } } },
      { id: 'sale-stress', kind: 'stress', interface: 'ecr', params: { transaction: sale, load: { phases: [{ rate: 200, duration: '2s' }] }, maxInFlight: 64 }, thresholds: {} },
      {
        id: 'sale-stability',
        kind: 'stability',
        interface: 'ecr',
        params: { transaction: sale, rate: 200, count: 300, window: '250ms', faults: [{ type: 'disconnect', at: '500ms', duration: '100ms' }] },
        thresholds: {},
      },
      ...conformance,
    ];
    const device = virtualTerminal({});
    const suite: Suite = { name: 'html report in a browser', file: path.join(ROOT, 'suites/smoke.json'), sha256: '', deviceFile: device.file, seed: 1, defaults: { timeoutMs: 500 }, tests };
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-html-'));
    await runSuite({ suite, device, outDir, reporter: new ReporterMultiplexer([new JsonWriter(), new HtmlWriter()]) });
    reportFile = path.join(outDir, 'report.html');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads from disk with no console error, every chart drawn with data, and is kept as a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`fetched ${r.url()}`);
    });
    await page.goto(pathToFileURL(reportFile).href);
    const chartCount = await page.locator('.chart').count();
    // 2 latency charts for each of the three load tests, 3 time series each for stress and stability.
    expect(chartCount).toBe(12);
    // Page-side code is given as text: this project's types are Node's, not the DOM's.
    await page.waitForFunction(`document.querySelectorAll('.chart[data-rendered]').length === ${chartCount}`, undefined, { timeout: 10_000 });

    // Inside each plot area, pixels of a series colour (saturated), not only grey axes and grid.
    const drawn = (await page.evaluate(`[...document.querySelectorAll('.chart')].map((chart) => {
      const canvas = chart.querySelector('canvas');
      if (!canvas) return { id: chart.id, coloured: 0 };
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i], g = data[i + 1], b = data[i + 2], a = data[i + 3];
        if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      return { id: chart.id, coloured };
    })`)) as { id: string; coloured: number }[];
    expect(drawn).toHaveLength(chartCount);
    for (const c of drawn) expect({ id: c.id, drawn: c.coloured > 50 }).toEqual({ id: c.id, drawn: true });

    // The conformance evidence: steps with an annotated hex dump.
    await page.evaluate(`document.querySelector('details.step').open = true`);
    expect(await page.locator('details.step').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('pre.hex mark').count()).toBeGreaterThan(0);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'html-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  }, 60_000);

  it('a chart that cannot be drawn is reported on the page and in the console, not silently blank', async () => {
    const html = fs.readFileSync(reportFile, 'utf8').replace('"yLabels":[', '"yLabels":null,"was":[');
    const broken = path.join(path.dirname(reportFile), 'broken.html');
    fs.writeFileSync(broken, html);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(broken).href);
    await page.waitForSelector('.chart[data-error]', { timeout: 10_000 });
    expect(errors.some((e) => e.startsWith('poshil chart'))).toBe(true);
  }, 30_000);

  it('the trend page of a week of nightly runs draws every measurement, no console error', async () => {
    const reports = Array.from({ length: 7 }, (_, i) => {
      const r = runReport([{ id: 'sale', kind: 'latency', interface: 'ecr', state: 'passed', startedAt: '', endedAt: '', durationMs: 1, measurements: [{ name: 'p99_ms', unit: 'ms', value: 10 + i }, { name: 'tps', unit: 'tps', value: 100 - i }], thresholds: [] }]);
      r.run.startedAt = new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString();
      return { report: r };
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trend-html-')), 'trend.html');
    fs.writeFileSync(file, renderTrendHtml(trendReports(reports)));
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator('.chart').count()).toBe(2);
    await page.waitForFunction(`document.querySelectorAll('.chart[data-rendered] canvas').length === 2`, undefined, { timeout: 10_000 });
    expect(await page.textContent('header')).toContain('DRIFTING');
    await page.screenshot({ path: path.join(ARTIFACTS, 'trend.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 30_000);
});
