import { Readable, PassThrough } from 'node:stream';
import { createPrompter } from '../../harness/cli/operator-prompt';
import type { Channel } from '../../harness/channel/channel';
import type { KindContext, OperatorPrompt } from '../../harness/kinds/kind';
import { migrationKind, type MigrationParams } from '../../harness/kinds/migration';
import type { TransactionRequest } from '../../harness/protocols/protocol';
import { measured } from '../helpers/run-one-test';
import { runOnProfile, type ProfileTest } from '../helpers/run-on-profile';

/**
 * The migration kind: the emulated terminal moves from its RS232 interface to Ethernet; its
 * totals and trace numbers must go on, nothing lost or duplicated — and each botched migration
 * (sequences restarted, journal dropped) turns it red. Operator prompts for real devices are
 * answered at a terminal, from piped input or by --yes, and never hang a CI job.
 */
const DUAL = 'devices/emulated-terminal-dual.json';
const move: ProfileTest = {
  id: 'move',
  kind: 'migration',
  interface: 'ecr-rs232',
  params: { to: 'ecr-tcp', transaction: { type: 'sale', amount: '12.34', currency: '978', card: { pan: '4761739001010119', expiry: '3012' } }, before: 8, after: 8 },
};

describe('migration kind (RS232 → Ethernet on the emulated terminal)', () => {
  it('a healthy terminal keeps its totals and its sequence: nothing lost, duplicated, reused or restarted', async () => {
    const r = (await runOnProfile(DUAL, [move])).tests[0]!;
    expect(r.error).toBeUndefined();
    expect(r.state).toBe('passed');
    expect(measured(r, 'approved_before')).toBe(8);
    expect(measured(r, 'approved_after')).toBe(8);
    for (const m of ['lost', 'duplicated', 'totals_mismatch', 'trace_reused', 'trace_restarted', 'eod_mismatch']) expect({ m, v: measured(r, m) }).toEqual({ m, v: 0 });
    expect(r.details?.from).toMatchObject({ interface: 'ecr-rs232', terminalId: 'POSHIL05' });
    expect(r.details?.to).toMatchObject({ interface: 'ecr-tcp', terminalId: 'POSHIL05' });
  }, 60_000);

  it('resetTraceOnSwitch: the new front-end numbers from 1 again — reused and restarted trace numbers fail the test', async () => {
    const r = (await runOnProfile(DUAL, [move], { defects: { resetTraceOnSwitch: 1 } })).tests[0]!;
    expect(r.state).toBe('failed');
    expect(measured(r, 'trace_restarted')).toBe(1);
    expect(measured(r, 'trace_reused')!).toBeGreaterThan(0);
    expect(measured(r, 'lost')).toBe(0);
  }, 60_000);

  it('dropJournalOnSwitch: the journal stays behind — the totals do not go on and the sales before the move are lost', async () => {
    const r = (await runOnProfile(DUAL, [move], { defects: { dropJournalOnSwitch: 1 } })).tests[0]!;
    expect(r.state).toBe('failed');
    expect(measured(r, 'totals_mismatch')).toBe(1);
    expect(measured(r, 'lost')!).toBeGreaterThanOrEqual(8);
  }, 60_000);
});

describe('operator prompts', () => {
  const output = () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    return { out, text: () => text };
  };
  const prompt = { message: 'Move the ECR cable to the Ethernet port, then type done', expect: 'done' };

  it('--yes answers with the expected answer and says so', async () => {
    const o = output();
    await expect(createPrompter({ yes: true, output: o.out })(prompt)).resolves.toBe('done');
    expect(o.text()).toContain('OPERATOR: Move the ECR cable');
    expect(o.text()).toContain('answered "done" (--yes)');
  });

  it('piped answers are read a line per prompt; a wrong answer is refused', async () => {
    const ask = createPrompter({ input: Readable.from(['Done\nnope\n']), output: output().out });
    await expect(ask(prompt)).resolves.toBe('Done');
    await expect(ask(prompt)).rejects.toMatchObject({ code: 'OPERATOR_DECLINED', message: expect.stringContaining('answered "nope", not "done"') });
  });

  it('with no one to ask (stdin closed, as in CI) it fails at once, saying how to answer', async () => {
    const ask = createPrompter({ input: Readable.from([]), output: output().out });
    await expect(ask(prompt)).rejects.toMatchObject({ code: 'NO_OPERATOR', message: expect.stringMatching(/standard input is closed.*--yes/) });
  });

  it('a prompt with a timeout gives up when nobody answers', async () => {
    const silent = new PassThrough();
    const ask = createPrompter({ input: silent, output: output().out });
    await expect(ask({ ...prompt, timeoutMs: 50 })).rejects.toMatchObject({ code: 'OPERATOR_TIMEOUT' });
    silent.end();
  });
});

describe('migration kind on a real device: the operator moves the cable', () => {
  // A stand-in for hardware: one terminal's state behind two channels, no emulator hooks.
  function hardware() {
    const state = { count: 0, amount: 0, seq: 0 };
    const channel = (role: string) =>
      ({
        role,
        endpoint: `serial ${role}`,
        protocol: 'iso8583',
        transact: async (r: TransactionRequest) => {
          if (r.type === 'settlement') return { type: 'settlement', approved: true, responseCode: '00', totals: { count: state.count, amountMinor: state.amount } };
          state.count++;
          state.amount += r.amountMinor ?? 0;
          return { type: r.type, approved: true, responseCode: '00', rrn: `6328110${String(++state.seq).padStart(5, '0')}`, amountMinor: r.amountMinor };
        },
      }) as unknown as Channel;
    return { old: channel('ecr-rs232'), next: channel('ecr-tcp') };
  }
  const params: MigrationParams = { to: 'ecr-tcp', transaction: { type: 'sale', amount: '1.00' }, before: 3, after: 3, prompt: { message: 'Move the cable to the Ethernet port, then type done', expect: 'done' } };
  const ctx = (prompt?: (p: OperatorPrompt) => Promise<string>): KindContext<MigrationParams> => {
    const h = hardware();
    return { testId: 'm', params, timeoutMs: 100, seed: 1, channel: async () => h.old, channelTo: async () => h.next, progress: () => undefined, checkpoint: () => undefined, log: () => undefined, signal: new AbortController().signal, hosts: [], ...(prompt ? { prompt } : {}) } as unknown as KindContext<MigrationParams>;
  };

  it('asks the operator with the suite’s message, then checks continuity on the new interface', async () => {
    const asked: OperatorPrompt[] = [];
    const outcome = await migrationKind.run(ctx(async (p) => (asked.push(p), 'done')));
    expect(asked).toEqual([{ message: params.prompt!.message, expect: 'done' }]);
    expect(outcome.measurements).toMatchObject({ lost: 0, duplicated: 0, totals_mismatch: 0, trace_reused: 0, trace_restarted: 0, eod_mismatch: null });
    expect(outcome.notes).toContain('operator confirmed: "done"');
  });

  it('without a way to ask anyone it stops before touching the new interface', async () => {
    await expect(migrationKind.run(ctx())).rejects.toMatchObject({ code: 'NO_OPERATOR' });
  });
});

describe('a test-level operator step (suite format: "prompt")', () => {
  const latency = (prompt: { message: string; expect?: string }): ProfileTest => ({ id: 'after-swap', kind: 'latency', interface: 'ecr', params: { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 0 } }, prompt });
  const step = { message: 'Plug the terminal into the new switch port, then type done', expect: 'done' };

  it('is asked before the test runs; the confirmed test runs', async () => {
    const asked: string[] = [];
    const r = (await runOnProfile('devices/emulated-terminal.json', [latency(step)], { prompt: async (p) => (asked.push(p.message), 'done') })).tests[0]!;
    expect(asked).toEqual([step.message]);
    expect(r.state).toBe('passed');
  }, 30_000);

  it('a refused or missing answer leaves the test errored, not run', async () => {
    const refused = (await runOnProfile('devices/emulated-terminal.json', [latency(step)], { prompt: createPrompter({ input: Readable.from(['no\n']), output: new PassThrough() }) })).tests[0]!;
    expect(refused).toMatchObject({ state: 'errored', error: { code: 'OPERATOR_DECLINED' } });
    const nobody = (await runOnProfile('devices/emulated-terminal.json', [latency(step)])).tests[0]!;
    expect(nobody).toMatchObject({ state: 'errored', error: { code: 'NO_OPERATOR' } });
  }, 30_000);
});
