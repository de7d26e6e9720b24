import type { Channel } from '../channel/channel';
import type { Limit } from '../reports/model';
import type { HostSimulator } from '../host/host-simulator';
import type { PresentedCard } from '../host/acquirer-contract';
import type { StripeCard } from '../protocols/msr/iso7811';
import type { FaultRecord, FaultSpec } from '../faults';

/**
 * A test kind is a plug-in: a JSON sub-schema for its `params`, the metrics it produces (the
 * only names a threshold may use), and an executor. The runner owns everything around it:
 * opening channels, evaluating thresholds, catching throws (recorded as `errored`).
 */
export interface MetricSpec {
  /** Name used in suite thresholds, e.g. "p99_ms". */
  name: string;
  unit: string;
  description: string;
}

import type { JsonSchema } from '../json-schema';

export type { JsonSchema };

export interface KindProgress {
  done: number;
  total?: number;
  message?: string;
}

export interface KindContext<P> {
  testId: string;
  params: P;
  /** Default per-transaction timeout from the suite (defaults.timeoutMs). */
  timeoutMs: number;
  seed: number;
  /** The channel to the device interface the test names (default "ecr"), opened and ready. */
  channel(): Promise<Channel>;
  /**
   * `count` connections to that interface, opened and ready: the first is `channel()`, the
   * others are extra connections (concurrency) that the runner closes after the test.
   */
  channels(count: number): Promise<Channel[]>;
  progress(p: KindProgress): void;
  /** Streams evidence to the run journal now (fsync'd): what a long test must not lose to a crash. */
  checkpoint(data: Record<string, unknown>): void;
  log(message: string): void;
  /** Aborted on SIGINT or when the run is cancelled: stop soon, return what was measured. */
  signal: AbortSignal;
  /** The run's acquirer host simulators (the profile's `host` interfaces); empty when none. */
  hosts: HostSimulator[];
  /** Restarts the device (emulated terminals: a new process on the same ports); undefined for hardware. */
  rebootDevice?: () => Promise<void>;
  /** Presents a test card at the terminal (swipe and PIN entry); only for emulated terminals. */
  presentCard?: (card: PresentedCard) => Promise<void>;
  /** Swipes a card through the card reader on the test's interface; only for emulated readers (at a real one a person swipes). */
  swipeCard?: (card: StripeCard) => Promise<void>;
  /**
   * Every chunk on every interface of the run (channels and host simulators), clear, before
   * masking, until the returned function is called. For checks that scan for leaks.
   */
  tapWire(listener: (role: string, dir: 'in' | 'out', data: Buffer) => void): () => void;
  /**
   * A new connection to the test's interface with faults injected between its transport and
   * framing (faults and their ends recorded in its wire trace); closed after the test. The
   * schedule's clock starts with `start()` (or at the first open).
   */
  channelWithFaults(faults: FaultSpec[]): Promise<FaultedChannel>;
  /**
   * A connection to another interface of the same device (compatibility, migration), or of
   * another device the suite names by its profile file; closed after the test.
   */
  channelTo?(iface: string, device?: string): Promise<Channel>;
  /** Emulated terminals only: the terminal's front-end moves from one interface to another, its state stays. */
  switchInterface?: (from: string, to: string) => Promise<void>;
  /** Asks the operator to act (move a cable); resolves with the answer, rejects when none comes. */
  prompt?: (p: OperatorPrompt) => Promise<string>;
}

export interface OperatorPrompt {
  message: string;
  timeoutMs?: number;
  /** The answer that confirms (case-insensitive); any answer when absent. */
  expect?: string;
}

export interface FaultedChannel {
  channel: Channel;
  start(): void;
  stop(): void;
  injected(): FaultRecord[];
}

export interface KindOutcome {
  /** Values by metric name; null when the run produced no value (e.g. no successful sample). */
  measurements: Record<string, number | null>;
  /** Kind-specific evidence for the report (histogram, counts, floor…). JSON-serialisable. */
  details?: Record<string, unknown>;
  /** Notes shown under the test in reports. */
  notes?: string[];
}

export interface TestKind<P = unknown> {
  readonly name: string;
  readonly description: string;
  readonly paramsSchema: JsonSchema;
  readonly metrics: readonly MetricSpec[];
  /** Thresholds that apply unless the suite sets the same metric: a kind whose verdict is its
   * own (conformance: no failed step) must not pass silently when a suite gives none. */
  readonly defaultThresholds?: Readonly<Record<string, Limit>>;
  run(ctx: KindContext<P>): Promise<KindOutcome>;
}
