import type { Reporter, RunReport } from './model';
import { renderHtmlReport, type HtmlReportOptions } from './html/page';
import { checkReportFileName, writeReportFile } from './report-file';

export interface HtmlWriterOptions {
  /** File name inside the report directory; default "report.html". */
  fileName?: string;
}

export const DEFAULT_HTML_FILE = 'report.html';

/** Writes the run as one self-contained HTML page (harness/reports/html/page.ts). */
export class HtmlWriter implements Reporter {
  readonly name = 'html';
  private readonly fileName: string;

  constructor(options: HtmlWriterOptions = {}) {
    this.fileName = options.fileName ?? DEFAULT_HTML_FILE;
    checkReportFileName(this.fileName);
  }

  async onRunEnd(report: RunReport, outDir: string): Promise<void> {
    await writeHtmlReport(report, outDir, {}, this.fileName);
  }
}

/** Writes (or rewrites, e.g. once a baseline comparison exists) a run's HTML report. */
export function writeHtmlReport(report: RunReport, outDir: string, options: HtmlReportOptions = {}, fileName = DEFAULT_HTML_FILE): Promise<string> {
  return writeReportFile(outDir, fileName, renderHtmlReport(report, options));
}
