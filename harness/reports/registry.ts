import { PoshilError } from '../errors';
import { ConsoleReporter, type ConsoleReporterOptions } from './console-reporter';
import { HtmlWriter, type HtmlWriterOptions } from './html-writer';
import { JsonWriter, type JsonWriterOptions } from './json-writer';
import { JunitWriter, type JunitWriterOptions } from './junit-writer';
import { MarkdownWriter, type MarkdownWriterOptions } from './markdown-writer';
import type { Reporter } from './model';

/** The built-in reporters by name; each factory takes its own options type. */
export const reporters = {
  json: (options: JsonWriterOptions = {}): Reporter => new JsonWriter(options),
  junit: (options: JunitWriterOptions = {}): Reporter => new JunitWriter(options),
  markdown: (options: MarkdownWriterOptions = {}): Reporter => new MarkdownWriter(options),
  html: (options: HtmlWriterOptions = {}): Reporter => new HtmlWriter(options),
  console: (options: ConsoleReporterOptions = {}): Reporter => new ConsoleReporter(options),
} as const;

export type ReporterName = keyof typeof reporters;

/** Options for each reporter, by reporter name. */
export type ReporterOptions = { [K in ReporterName]?: Parameters<(typeof reporters)[K]>[0] };

/** Every built-in reporter, in the order they run: files first, the console last. */
export const defaultReporterNames: readonly ReporterName[] = Object.freeze(Object.keys(reporters) as ReporterName[]);

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(reporters, name);
}

function create<K extends ReporterName>(name: K, options: ReporterOptions[K]): Reporter {
  // TypeScript cannot correlate reporters[K] with ReporterOptions[K] through the union; the
  // mapped type above guarantees they match.
  const factory = reporters[name] as (options?: ReporterOptions[K]) => Reporter;
  return factory(options);
}

/**
 * Creates reporters by name (as given on the command line), in the order given, each name
 * once. Every name is checked before any reporter is created, so a typo fails before the run
 * starts: PoshilError UNKNOWN_REPORTER (exit code 2) listing the known names. Without `names`
 * all built-ins are created; an empty list creates none.
 */
export function createReporters(names: readonly string[] = defaultReporterNames, options: ReporterOptions = {}): Reporter[] {
  for (const name of names) {
    if (!isReporterName(name)) {
      throw new PoshilError('UNKNOWN_REPORTER', `unknown reporter "${name}"; known reporters: ${defaultReporterNames.join(', ')}`, { exitCode: 2 });
    }
  }
  const unique = [...new Set(names as readonly ReporterName[])];
  return unique.map((name) => create(name, options[name]));
}
