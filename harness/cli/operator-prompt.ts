import readline from 'node:readline';
import { PoshilError } from '../errors';
import type { OperatorPrompt } from '../kinds/kind';

/**
 * Operator prompts ("move the cable to the USB port, then press Enter") on whatever the run has:
 * - `--yes`: answered at once with the expected answer (unattended runs of a prepared rig);
 * - a terminal: asked there, waiting as long as the prompt allows;
 * - piped input (`printf 'done\n' | poshil run …`): the next line is the answer;
 * - nothing (CI, stdin closed): an error that says how to answer, instead of a hang.
 * An answer other than the one the prompt expects is refused, so a typo does not start the
 * second half of a migration on a cable that was never moved.
 */
export interface PrompterOptions {
  yes?: boolean;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

export function createPrompter(options: PrompterOptions): (p: OperatorPrompt) => Promise<string> {
  const input = options.input ?? process.stdin;
  let lines: readline.Interface | undefined;
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  const reader = () => {
    if (lines) return;
    lines = readline.createInterface({ input, terminal: false });
    lines.on('line', (line) => {
      const w = waiting.shift();
      if (w) w(line);
      else queued.push(line);
    });
    lines.on('close', () => {
      closed = true;
      for (const w of waiting.splice(0)) w(undefined);
    });
  };

  return async (p) => {
    const expected = p.expect?.trim();
    options.output.write(`\n>>> OPERATOR: ${p.message}${expected ? ` (answer "${expected}")` : ''}\n`);
    let answer: string;
    if (options.yes) {
      answer = expected ?? 'yes';
      options.output.write(`>>> answered "${answer}" (--yes)\n`);
    } else {
      reader();
      const line = await new Promise<string | undefined>((resolve, reject) => {
        if (queued.length > 0) return resolve(queued.shift());
        if (closed) return resolve(undefined);
        if (input.isTTY) options.output.write('> ');
        let timer: NodeJS.Timeout | undefined;
        const onLine = (l: string | undefined) => {
          if (timer) clearTimeout(timer);
          resolve(l);
        };
        waiting.push(onLine);
        if (p.timeoutMs) {
          timer = setTimeout(() => {
            waiting.splice(waiting.indexOf(onLine), 1);
            reject(new PoshilError('OPERATOR_TIMEOUT', `no answer from the operator within ${Math.round(p.timeoutMs! / 1000)} s to: ${p.message}`));
          }, p.timeoutMs);
        }
      });
      if (line === undefined) {
        throw new PoshilError('NO_OPERATOR', `this test needs an operator ("${p.message}") and there is no one to ask: standard input is closed. Run it at a terminal, pipe the answers (printf '${expected ?? ''}\\n' | poshil run …), or pass --yes`);
      }
      answer = line.trim();
    }
    if (expected && answer.toLowerCase() !== expected.toLowerCase()) {
      throw new PoshilError('OPERATOR_DECLINED', `the operator answered "${answer}", not "${expected}": the step was not confirmed`);
    }
    return answer;
  };
}
