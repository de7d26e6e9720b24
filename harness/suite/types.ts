/**
 * Suite and device-profile shapes after validation. The JSON Schemas (harness/suite/*-schema.ts)
 * are the one source of truth for what a file may contain; these types mirror them.
 */
import type { Limit } from '../reports/model';
import type { SecurityConfig } from '../host/host-keys';

export interface SuiteTest {
  id: string;
  kind: string;
  /** Requirement this test evidences, e.g. "REQ-LAT-001". */
  requirement?: string;
  description?: string;
  /** Device interface role; default "ecr". */
  interface: string;
  params: Record<string, unknown>;
  thresholds: Record<string, Limit>;
  skip?: boolean | string;
  timeoutMs?: number;
  /** An operator step before the test (harness/cli/operator-prompt.ts asks it). */
  prompt?: { message: string; timeoutMs?: number; expect?: string };
}

export interface Suite {
  name: string;
  description?: string;
  /** Absolute path of the suite file. */
  file: string;
  sha256: string;
  /** Device profile path as written in the suite, resolved relative to the suite file. */
  deviceFile: string;
  seed: number;
  defaults: { timeoutMs: number };
  tests: SuiteTest[];
}

export interface TransportConfig {
  type: string; // "tcp" | "virtual" | later "serial", "usb", …
  [option: string]: unknown;
}

export interface FramingConfig {
  type: string; // "length-prefix"
  [option: string]: unknown;
}

export interface ProtocolConfig {
  type: string; // "iso8583"
  [option: string]: unknown;
}

export interface InterfaceConfig {
  description?: string;
  transport: TransportConfig;
  framing: FramingConfig;
  protocol: ProtocolConfig;
  /** Host interfaces: DUKPT scheme, where the BDK is, the terminal's initial KSN. */
  security?: SecurityConfig;
}

export interface EmulatorConfig {
  /** Service-time distribution of the emulated terminal, in ms. */
  processingMs?: { distribution: 'fixed' | 'uniform' | 'normal' | 'lognormal'; mean: number; stddev?: number; min?: number; max?: number };
  defects?: {
    /** Extra ms added to every response. */
    slowMs?: number;
    /** Silently drop every Nth response (1-based count of requests). */
    dropEveryN?: number;
    /** Service time grows by this many ms per transaction processed. */
    latencyCreep?: number;
    /** After this many requests the terminal freezes for `stallMs` (every connection waits). */
    stallAfterN?: number;
    /** Every Nth request the terminal freezes for `stallMs` (a periodic hang; every connection waits). */
    hangEvery?: number;
    /** A repeated terminal id + STAN (a retransmission) is booked again instead of answered from the journal (1 = on). */
    duplicateOnRetry?: number;
    resetTraceOnSwitch?: number;
    dropJournalOnSwitch?: number;
    divergentSerialCodes?: number;
    /** The terminal loses its journal when it reboots (1 = on). */
    forgetOnReboot?: number;
    /** How long a stall lasts; default 1000 ms. */
    stallMs?: number;
    /** Serial link layer: every frame the terminal sends has a wrong checksum (1 = on). */
    badChecksum?: number;
    /** Serial link layer: the terminal ACKs frames with a wrong checksum instead of NAKing them (1 = on). */
    neverNak?: number;
    /** Serial link layer: the terminal's ACK/NAK leave this many ms late. */
    slowAckMs?: number;
    /** ZVT serial: the terminal does not double DLE bytes inside its frames (1 = on). */
    noDleDoubling?: number;
    /** Serial link layer: after NAKing a frame the terminal silently discards the next frame it receives, the sender's retransmission (1 = on). */
    ignoresRetransmits?: number;
    /** Serial link layer: the terminal retransmits (and repeats ENQ) this many times more than the link's `retries` allows. */
    extraRetransmits?: number;
    /** RS485: the terminals answer without waiting the bus turnaround, while the master still drives the line (1 = on). */
    rs485NoTurnaround?: number;
    /** RS485: every terminal on the bus answers every address, so two drive the line at once (1 = on). */
    rs485AnswersAll?: number;
    /** USB: the firmware sends packets of this many bytes on its IN endpoints while its descriptors say 64 (more is babble at the host). */
    usbWrongMaxPacketSize?: number;
    /** USB: the device answers every Nth transfer on its bulk OUT endpoint with STALL. */
    usbStallEveryN?: number;
    /** USB: no zero-length packet after a bulk IN transfer that fills its last packet (1 = on). */
    usbDropZlp?: number;
    /** USB card reader: the LRC character after each track's end sentinel is wrong (1 = on). */
    msrBadLrc?: number;
    /** Host leg: the terminal also sends the clear PAN (field 2) and track 2 (field 35) to the acquirer (1 = on). */
    leakPan?: number;
    /** Host leg: the DUKPT counter never advances after the first transaction, so every transaction reuses one KSN (1 = on). */
    reuseKsn?: number;
    /** Host leg: the PIN block is enciphered under the DUKPT data key instead of the PIN key (1 = on). */
    wrongPinKey?: number;
    /** Host leg: the MAC sent in field 64 is wrong (its last byte inverted) (1 = on). */
    badMac?: number;
    /** Host leg: the terminal's TLS client offers TLS 1.0 to 1.3 and weak cipher suites (1 = on). */
    weakTls?: number;
    /** Host leg: the terminal does not check the acquirer's certificate (expired, self-signed, wrong name all accepted) (1 = on). */
    noCertCheck?: number;
    /** Length-prefixed links: a frame announcing more than maxLength bytes kills the terminal until it is restarted (1 = on). */
    crashOnOversize?: number;
    /** Invalid packed BCD in a message (ZVT, binary ISO 8583) freezes the terminal until it is restarted (1 = on). */
    hangOnBadBcd?: number;
  };
  /** Journal file; default is in memory only. */
  journal?: string;
  seed?: number;
}

export interface DeviceProfile {
  name: string;
  description?: string;
  vendor?: string;
  model?: string;
  /** Absolute path of the profile file. */
  file: string;
  sha256: string;
  interfaces: Record<string, InterfaceConfig>;
  emulator?: EmulatorConfig;
}
