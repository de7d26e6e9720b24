import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { DEFAULT_HTML_FILE, writeHtmlReport } from '../reports/html-writer';
import type { RunReport } from '../reports/model';
import type { CliIo } from './main';

const USAGE = `usage: poshil show-report [run-dir | reports-dir] [--port N]
  serves a run's HTML report on http://127.0.0.1:PORT/ until Ctrl-C; without a directory, the
  latest run under reports/. A run written before HTML reports existed gets its page made from
  report.json first.`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ndjson': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.sig': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/** A run directory: the one given, or the newest run (by its report's mtime) in a reports directory (default ./reports, where poshil run writes). */
export function findRunDirectory(given: string | undefined): string {
  const dir = path.resolve(given ?? 'reports');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new PoshilError('NO_REPORT', `${dir} is not a directory: give a run directory (reports/<run-id>) or the reports directory`, { exitCode: 2 });
  }
  if (fs.existsSync(path.join(dir, 'report.json'))) return dir;
  const runs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'report.json')))
    .map((e) => ({ dir: path.join(dir, e.name), mtime: fs.statSync(path.join(dir, e.name, 'report.json')).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  if (runs.length === 0) throw new PoshilError('NO_REPORT', `no run with a report.json in ${dir}: run a suite first (poshil run suites/smoke.json)`, { exitCode: 2 });
  return (runs[0] as { dir: string }).dir;
}

/** Serves one run directory, read-only, on loopback. Resolves with the server and its URL. */
export async function serveRunDirectory(runDir: string, port = 0): Promise<{ server: http.Server; url: string }> {
  const root = fs.realpathSync(runDir);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.resolve(root, '.' + (urlPath === '/' ? `/${DEFAULT_HTML_FILE}` : urlPath));
    // Only files inside the run directory: no `..`, no symlink out of it.
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}\n`);
      return;
    }
    if ((real !== root && !real.startsWith(root + path.sep)) || !fs.statSync(real).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(real)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(real).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

/** `poshil show-report`: serves the report until SIGINT/SIGTERM. */
export async function showReportCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' } } });
  } catch (err) {
    throw new PoshilError('USAGE', `${(err as Error).message}\n\n${USAGE}`, { exitCode: 2 });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new PoshilError('USAGE', `show-report takes at most one directory\n\n${USAGE}`, { exitCode: 2 });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PoshilError('USAGE', `--port must be a port number (0-65535), not '${values.port}'`, { exitCode: 2 });
  const runDir = findRunDirectory(positionals[0]);
  if (!fs.existsSync(path.join(runDir, DEFAULT_HTML_FILE))) {
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as RunReport;
    await writeHtmlReport(report, runDir);
    io.stdout.write(`made ${DEFAULT_HTML_FILE} from report.json\n`);
  }
  let served;
  try {
    served = await serveRunDirectory(runDir, port);
  } catch (err) {
    throw new PoshilError('PORT_IN_USE', `cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`, { exitCode: 2 });
  }
  io.stdout.write(`serving ${runDir}\n${served.url}\n(Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      served.server.close(() => resolve());
      served.server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
