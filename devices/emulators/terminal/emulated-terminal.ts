import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { createFramer } from '../../../harness/framing/registry';
import type { Frame, Framer } from '../../../harness/framing/framer';
import { pushResilient } from '../../../harness/framing/push-resilient';
import { serveVirtual } from '../../../harness/transports/virtual';
import { bitsPerCharacter, openSerialStream, type SerialOptions } from '../../../harness/transports/serial';
import { serialLink, serialWire, servedTransport, socketLink, virtualLink, type ServedLink } from './served-link';
import { EmulatedRs485Bus } from './emulated-rs485-bus';
import type { Transport } from '../../../harness/transports/transport';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import { ECHOED_FIELDS, type Iso8583Message } from '../../../harness/protocols/iso8583/types';
import type { DeviceProfile, EmulatorConfig, FramingConfig, InterfaceConfig } from '../../../harness/suite/types';
import { PoshilError } from '../../../harness/errors';
import { respondIso8583 } from './iso8583-responder';
import { announcesOversize, formatErrorResponse, isBadBcd } from './malformed-input';
import { ResponseCodes, TerminalModel } from './terminal-model';
import { ZvtTerminalDialogue } from './zvt-responder';
import { ConcertTerminalFace } from './concert-responder';
import { openFrameLink } from '../../../harness/link/open-frame-link';
import { DEFAULT_RETRIES } from '../../../harness/link/ack-nak-link';
import type { AcquirerEndpoint, KeyInjection, PresentedCard } from '../../../harness/host/acquirer-contract';
import { AcquirerLink } from './acquirer-link';
import { isHostRole } from '../../../harness/host/roles';
import { removeVirtualUsbBus, virtualUsbBus } from '../../../harness/transports/usb/virtual-bus';
import type { VirtualUsbGadget } from '../../../harness/transports/usb/virtual-device';
import type { StripeCard } from '../../../harness/protocols/msr/iso7811';
import { ecrGadget } from './usb-gadgets';
import { EmulatedCardReader } from './usb-card-reader';

/**
 * Runs the terminal model behind every TCP interface of a device profile, with the profile's
 * own framing and protocol, so the harness talks to it exactly as to hardware. Each
 * connection is served one request at a time, in order, as a terminal's single ECR task does.
 */
export type EmulatorEndpoint =
  | { role: string; transport: 'tcp'; host: string; port: number }
  | { role: string; transport: 'virtual'; name: string }
  | { role: string; transport: 'serial'; path: string }
  | { role: string; transport: 'rs485'; path: string; bus: string }
  | { role: string; transport: 'usb'; bus: string };

export interface EmulatorOverrides {
  defects?: EmulatorConfig['defects'];
  seed?: number;
  /** Per-role port to listen on (overrides the profile; 0 = any free port). */
  ports?: Record<string, number>;
  /**
   * Serial device paths the terminal opens (its ends of pseudo-terminal pairs): per role for
   * `serial` interfaces, per bus (key `rs485:<bus>`) for `rs485` ones.
   */
  serialPaths?: Record<string, string>;
  /**
   * The terminal's host leg: with it, ISO 8583 sales and refunds go online to this acquirer
   * instead of being authorised locally. The keys arrive only here (key injection), never from
   * the profile or the environment. `packager` is a name or a path relative to the profile.
   */
  acquirer?: { endpoint: AcquirerEndpoint; keys: KeyInjection; packager: string; framing: FramingConfig; terminalId?: string; merchantId?: string };
  /** Per role of a `tls` ECR interface: the certificate and key (PEM) the harness made for this run. */
  tlsServers?: Record<string, { cert: string; key: string }>;
  /** The journal file (absolute), when the run needs one kept across reboots; default the profile's. */
  journalFile?: string;
  /** Started again after a reboot (forgetOnReboot then loses the journal). */
  rebooted?: boolean;
  /** The virtual USB bus to plug the terminal's USB devices into (kept across a reboot, as the cable is). */
  usbBus?: string;
}

let usbBuses = 0;

export const EMULATOR_VERSION = '0.1.0';

export class EmulatedTerminal {
  readonly model: TerminalModel;
  private readonly servers: net.Server[] = [];
  private readonly links = new Set<ServedLink>();
  /** Links served on a serial line (for the divergentSerialCodes defect). */
  private readonly serialLinks = new WeakSet<ServedLink>();
  private readonly unserve: (() => void)[] = [];
  private readonly config: EmulatorConfig;
  /** The terminals on RS485 buses, by interface role. */
  readonly busModels = new Map<string, TerminalModel>();
  private readonly acquirer: AcquirerLink | undefined;
  /** The card the cardholder swiped and PINned; it stays presented until replaced. */
  private card: PresentedCard | undefined;
  /** Online authorisations in flight, by terminal id and STAN: a repeat waits for the first. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /**
   * What a crash (the crashOnOversize defect) does. In-process the whole interface stack goes
   * down; the emulator's child process replaces this with ending the process.
   */
  onCrash: (reason: string) => void = () => void this.stop();
  /** The virtual USB devices of the `usb` interfaces, by role (test control: unplug, replug, halt). */
  readonly usbGadgets = new Map<string, VirtualUsbGadget>();
  private readonly cardReaders = new Map<string, EmulatedCardReader>();
  private usbBusName: string | undefined;

  constructor(
    private readonly profile: DeviceProfile,
    private readonly overrides: EmulatorOverrides = {},
  ) {
    const base = profile.emulator ?? {};
    this.config = {
      ...base,
      seed: overrides.seed ?? base.seed,
      defects: { ...(base.defects ?? {}), ...(overrides.defects ?? {}) },
      ...(overrides.journalFile ? { journal: overrides.journalFile } : {}),
    };
    // forgetOnReboot: the terminal comes back from a power cycle with an empty journal.
    if (overrides.rebooted && this.config.defects?.forgetOnReboot && this.config.journal) fs.rmSync(this.config.journal, { force: true });
    this.model = new TerminalModel(this.config);
    this.acquirer = overrides.acquirer ? new AcquirerLink(overrides.acquirer, path.dirname(profile.file), this.config.defects) : undefined;
  }

  /**
   * A migration: the terminal's front-end moves from one interface to another. Every interface
   * already shares one terminal model (journal, totals, trace numbers), so a healthy terminal
   * keeps its state as it is; the defects are what a botched migration does to it.
   */
  switchInterface(from: string, to: string): void {
    for (const role of [from, to]) {
      if (!this.profile.interfaces[role]) throw new PoshilError('NO_SUCH_INTERFACE', `the emulated terminal has no interface '${role}' (it has ${Object.keys(this.profile.interfaces).join(', ')})`);
    }
    this.model.switchFrontEnd();
  }

  /** The cardholder presents a card (swipe and PIN) for the next transactions. Never logged. */
  presentCard(card: PresentedCard): void {
    // Problems are named, the values never repeated: they are card data.
    if (typeof card?.pan !== 'string' || !/^[0-9]{12,19}$/.test(card.pan)) throw new PoshilError('CARD_INVALID', 'the presented card needs a PAN of 12 to 19 digits');
    if (typeof card.pin !== 'string' || !/^[0-9]{4,12}$/.test(card.pin)) throw new PoshilError('CARD_INVALID', 'the presented card needs a PIN of 4 to 12 digits');
    if (card.expiry !== undefined && !/^[0-9]{2}(0[1-9]|1[0-2])$/.test(card.expiry)) throw new PoshilError('CARD_INVALID', 'the presented card expiry must be YYMM');
    this.card = { pan: card.pan, pin: card.pin, ...(card.expiry !== undefined ? { expiry: card.expiry } : {}) };
  }

  identity(): Record<string, string> {
    const usb = Object.values(this.profile.interfaces).some((i) => i.transport.type === 'usb');
    return {
      vendor: this.profile.vendor ?? 'poshil',
      model: this.profile.model ?? 'emulated terminal',
      serial: this.serial(),
      firmware: `poshil-emulator ${EMULATOR_VERSION}`,
      ...(usb ? { usbLink: 'virtual USB devices on a bus inside the poshil process (no USB hardware)' } : {}),
    };
  }

  private serial(): string {
    return `EMU-${String(this.config.seed ?? 1).padStart(6, '0')}`;
  }

  /** The cardholder swipes a card through the reader on that interface. Never logged. */
  swipe(role: string, card: StripeCard): void {
    const reader = this.cardReaders.get(role);
    if (!reader) throw new PoshilError('NO_CARD_READER', `interface '${role}' of the emulated terminal is not a card reader (a usb interface with protocol msr)`);
    reader.swipe(card);
  }

  /** Defects in force, for the report: a run against a defective emulator must say so. */
  activeDefects(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.config.defects ?? {}).filter(([, v]) => typeof v === 'number' && v > 0)) as Record<string, number>;
  }

  async start(): Promise<EmulatorEndpoint[]> {
    const endpoints: EmulatorEndpoint[] = [];
    endpoints.push(...(await this.startBuses()));
    for (const [role, iface] of Object.entries(this.profile.interfaces)) {
      // The acquirer side is poshil's to serve; the terminal dials it.
      if (iface.transport.type === 'rs485' || isHostRole(role)) continue;
      // Build the codec before listening: loading a packager is not the device's per-request
      // cost, and must not show up as a slow first transaction.
      if (iface.transport.type === 'virtual') {
        const stack = this.stackFor(iface);
        const name = (iface.transport.name as string | undefined) ?? 'default';
        this.unserve.push(serveVirtual(name, (end) => this.serve(virtualLink(end), stack)));
        endpoints.push({ role, transport: 'virtual', name });
        continue;
      }
      if (iface.transport.type === 'usb') {
        endpoints.push(this.plugUsb(role, iface));
        continue;
      }
      if (iface.transport.type === 'serial') {
        const devicePath = this.overrides.serialPaths?.[role];
        if (!devicePath) continue;
        const stack = this.stackFor(iface);
        await this.openSerial(devicePath, iface, stack);
        endpoints.push({ role, transport: 'serial', path: devicePath });
        continue;
      }
      if (iface.transport.type !== 'tcp' && iface.transport.type !== 'tls') continue;
      const stack = this.stackFor(iface);
      const port = this.overrides.ports?.[role] ?? (iface.transport.port as number);
      // The emulator only ever listens on loopback.
      const host = '127.0.0.1';
      const server = iface.transport.type === 'tls' ? this.tlsServer(role, stack) : net.createServer((socket) => this.serve(socketLink(socket), stack));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(new PoshilError('EMULATOR_LISTEN', `emulator could not listen on ${host}:${port} for '${role}': ${err.code === 'EADDRINUSE' ? 'port already in use' : err.message}`)),
        );
        server.listen(port, host, () => resolve());
      });
      this.servers.push(server);
      const address = server.address() as net.AddressInfo;
      endpoints.push({ role, transport: 'tcp', host, port: address.port });
    }
    if (endpoints.length === 0) {
      throw new PoshilError('EMULATOR_NO_INTERFACE', `device '${this.profile.name}' has no TCP, serial, USB or virtual interface the emulator can serve`);
    }
    return endpoints;
  }

  /**
   * An ECR interface on TLS, with the certificate the harness made for this run. `weakTls`
   * makes the terminal accept TLS 1.0/1.1 and weak suites, as an old TLS stack would.
   */
  private tlsServer(role: string, stack: Stack): net.Server {
    const certificate = this.overrides.tlsServers?.[role];
    if (!certificate) throw new PoshilError('EMULATOR_TLS', `the tls interface '${role}' needs a certificate; poshil run makes one for each run`);
    const weak = (this.config.defects?.weakTls ?? 0) > 0;
    const server = tls.createServer({ cert: certificate.cert, key: certificate.key, ...(weak ? { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } : { minVersion: 'TLSv1.2' }) }, (socket) =>
      this.serve(socketLink(socket), stack),
    );
    // A client that gives up mid-handshake (a TLS probe, a refused version) is not the terminal's problem.
    server.on('tlsClientError', () => undefined);
    return server;
  }

  /**
   * A `usb` interface: a virtual USB device plugged into the terminal's bus in this process — the
   * ECR protocol on bulk endpoints, or a HID card reader for an msr interface.
   */
  private plugUsb(role: string, iface: InterfaceConfig): EmulatorEndpoint {
    this.usbBusName ??= this.overrides.usbBus ?? `emulated-usb-${process.pid}-${++usbBuses}`;
    const defects = this.config.defects ?? {};
    let gadget: VirtualUsbGadget;
    if (iface.protocol.type === 'msr') {
      const reader = new EmulatedCardReader(iface, defects, this.serial());
      this.cardReaders.set(role, reader);
      gadget = reader.gadget;
    } else {
      const stack = this.stackFor(iface);
      gadget = ecrGadget(iface.transport, defects, this.serial(), (link) => this.serve(link, stack));
    }
    this.usbGadgets.set(role, gadget);
    gadget.plugInto(virtualUsbBus(this.usbBusName));
    return { role, transport: 'usb', bus: this.usbBusName };
  }

  async stop(): Promise<void> {
    for (const g of this.usbGadgets.values()) g.unplug();
    // A rebooted terminal plugs into a bus of the same name again; transports look it up by name.
    if (this.usbBusName) removeVirtualUsbBus(this.usbBusName);
    for (const l of this.links) l.destroy();
    for (const u of this.unserve) u();
    this.unserve.length = 0;
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }

  private async openSerial(devicePath: string, iface: InterfaceConfig, stack: Stack): Promise<void> {
    const t = iface.transport as unknown as SerialOptions;
    const port = openSerialStream({ path: devicePath, baudRate: t.baudRate ?? 9600, dataBits: t.dataBits ?? 8, stopBits: t.stopBits ?? 1, parity: t.parity ?? 'none', autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new PoshilError('EMULATOR_SERIAL', `emulator could not open ${devicePath}: ${err.message}`)) : resolve())),
    );
    this.serve(serialLink(port, { bitsPerSecond: t.baudRate ?? 9600, bitsPerCharacter: bitsPerCharacter(t) }), stack);
  }

  /**
   * RS485: one serial line per bus, the terminals of every interface on it behind their
   * addresses, each with its own framing and protocol.
   */
  private async startBuses(): Promise<EmulatorEndpoint[]> {
    const endpoints: EmulatorEndpoint[] = [];
    for (const [bus, members] of rs485Buses(this.profile)) {
      const devicePath = this.overrides.serialPaths?.[`rs485:${bus}`];
      if (!devicePath) continue;
      const t = members[0]!.iface.transport as unknown as SerialOptions & { turnaroundMs?: number; idleGapMs?: number; echo?: boolean };
      const port = openSerialStream({ path: devicePath, baudRate: t.baudRate ?? 9600, dataBits: t.dataBits ?? 8, stopBits: t.stopBits ?? 1, parity: t.parity ?? 'none', autoOpen: false });
      await new Promise<void>((resolve, reject) =>
        port.open((err) => (err ? reject(new PoshilError('EMULATOR_SERIAL', `emulator could not open ${devicePath} for RS485 bus '${bus}': ${err.message}`)) : resolve())),
      );
      const lineRate = { bitsPerSecond: t.baudRate ?? 9600, bitsPerCharacter: bitsPerCharacter(t) };
      const wire = serialWire(port, lineRate);
      const defects = this.config.defects ?? {};
      const medium = new EmulatedRs485Bus(wire, {
        lineRate,
        turnaroundMs: t.turnaroundMs ?? 2,
        idleGapMs: t.idleGapMs ?? Math.max(2, (3.5 * lineRate.bitsPerCharacter * 1000) / lineRate.bitsPerSecond),
        echo: t.echo ?? false,
        noTurnaround: (defects.rs485NoTurnaround ?? 0) > 0,
        answersAll: (defects.rs485AnswersAll ?? 0) > 0,
      });
      this.links.add(wire);
      for (const { role, iface } of members) {
        // Each address is a terminal of its own: its own journal, totals and processing times.
        const address = iface.transport.address as number;
        const model = new TerminalModel({ ...this.config, seed: (this.config.seed ?? 1) * 1000 + address, ...(this.config.journal ? { journal: `${this.config.journal}.${address}` } : {}) });
        this.busModels.set(role, model);
        this.serve(medium.station(address), { ...this.stackFor(iface), model });
        endpoints.push({ role, transport: 'rs485', path: devicePath, bus });
      }
    }
    return endpoints;
  }

  private stackFor(iface: InterfaceConfig): Stack {
    if (iface.protocol.type === 'zvt' || iface.protocol.type === 'concert') return { iface };
    if (iface.protocol.type !== 'iso8583') {
      throw new PoshilError('EMULATOR_PROTOCOL', `the emulated terminal does not speak '${iface.protocol.type}' yet`);
    }
    return { iface, codec: new Iso8583Codec(loadPackager(iface.protocol.packager as string, path.dirname(this.profile.file))) };
  }

  private serve(link: ServedLink, stack: Stack): void {
    this.links.add(link);
    if (stack.iface.transport.type === 'serial' || stack.iface.transport.type === 'rs485') this.serialLinks.add(link);
    if (!stack.codec) {
      // ZVT, Concert: the terminal's side of the link layer (ACK/NAK on serial), then the dialogue.
      const defects = this.config.defects ?? {};
      // extraRetransmits: the terminal's link keeps retransmitting past the limit it was given.
      const framing = defects.extraRetransmits ? { ...stack.iface.framing, retries: ((stack.iface.framing.retries as number | undefined) ?? DEFAULT_RETRIES) + defects.extraRetransmits } : stack.iface.framing;
      const frameLink = openFrameLink(ignoringRetransmits(defectiveLine(servedTransport(link), defects), stack.iface.framing, defects), framing);
      const model = stack.model ?? this.model;
      if (stack.iface.protocol.type === 'concert') new ConcertTerminalFace(frameLink, model);
      else new ZvtTerminalDialogue(frameLink, model, (stack.iface.protocol.terminalId as string | undefined) ?? '52500001', { hangOnBadBcd: (defects.hangOnBadBcd ?? 0) > 0 });
      link.onClose(() => {
        frameLink.dispose();
        this.links.delete(link);
      });
      return;
    }
    const codec = stack.codec;
    const model = stack.model ?? this.model;
    const framer = createFramer(stack.iface.framing);
    let queue: Promise<void> = Promise.resolve();
    const crashOnOversize = (this.config.defects?.crashOnOversize ?? 0) > 0;
    link.onData((chunk: Buffer) => {
      if (crashOnOversize && framer.pending === 0 && announcesOversize(chunk, stack.iface.framing)) {
        this.onCrash(`a frame announced more than maxLength ${String(stack.iface.framing.maxLength ?? 8192)} bytes (crashOnOversize defect)`);
        return;
      }
      // Garbage on the line: a terminal discards it and waits for the next good frame, still
      // answering the good frames that came before it.
      for (const frame of pushResilient(framer, chunk)) {
        const { delayMs, drop } = model.admit();
        queue = queue.then(() => this.answer(link, frame, codec, framer, model, delayMs, drop));
      }
    });
    link.onClose(() => this.links.delete(link));
  }

  private async answer(link: ServedLink, frame: Frame, codec: Iso8583Codec, framer: Framer, model: TerminalModel, delayMs: number, drop: boolean): Promise<void> {
    if (model.hung) return;
    let request: Iso8583Message;
    try {
      request = codec.unpack(frame.payload);
    } catch (err) {
      if (this.config.defects?.hangOnBadBcd && isBadBcd(err)) {
        model.hang();
        return;
      }
      // A request it cannot read is refused with "format error" when its MTI says what to answer.
      const refusal = formatErrorResponse(frame.payload, codec);
      if (refusal && !link.closed) link.write(framer.encode(frame.header ? { payload: codec.pack(refusal), header: swapTpdu(frame.header) } : { payload: codec.pack(refusal) }));
      return;
    }
    const wait = Math.max(delayMs, model.stallRemainingMs());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const response = this.acquirer && request.mti === '0200' ? await this.respondOnline(this.acquirer, model, request) : respondIso8583(model, request);
    // divergentSerialCodes: the serial front-end's own response-code table disagrees with the network one.
    if (this.config.defects?.divergentSerialCodes && this.serialLinks.has(link) && response.fields[39] === '05') response.fields[39] = '51';
    if (drop || link.closed || model.hung) return;
    const header = frame.header ? swapTpdu(frame.header) : undefined;
    link.write(framer.encode(header ? { payload: codec.pack(response), header } : { payload: codec.pack(response) }));
  }

  /**
   * A 0200 with an acquirer configured: the card (the ECR's field 2 and 14 if it sent them,
   * else the presented card; the PIN always from the cardholder) goes online, and the host's
   * answer goes back to the ECR and into the journal. A repeated terminal id + STAN is answered
   * from the journal without going online.
   */
  private async respondOnline(acquirer: AcquirerLink, model: TerminalModel, request: Iso8583Message): Promise<Iso8583Message> {
    const f = request.fields;
    const terminalId = f[41] ?? '';
    const stan = f[11] ?? '000000';
    const key = `${terminalId}:${stan}`;
    const earlier = this.inFlight.get(key);
    if (earlier) await earlier;
    if (model.journal.find(terminalId, stan)) return respondIso8583(model, request);
    const processing = f[3] ?? '000000';
    const req = {
      type: processing.startsWith('20') ? ('refund' as const) : ('sale' as const),
      terminalId,
      stan,
      amountMinor: Number(f[4] ?? '0'),
      currency: f[49] ?? '978',
    };
    const presented = this.card;
    const pan = f[2] ?? presented?.pan;
    const expiry = f[2] !== undefined ? f[14] : presented?.expiry;
    let decision;
    if (!pan || !/^[0-9]{12,19}$/.test(pan)) {
      decision = model.unbooked(ResponseCodes.invalidCardNumber);
    } else {
      const online = acquirer.authorise({ ecr: f, card: { pan, pin: presented?.pin ?? '', ...(expiry ? { expiry } : {}) } });
      this.inFlight.set(key, online);
      try {
        const answer = await online;
        decision = answer.online ? model.bookOnline({ ...req, pan }, answer) : model.unbooked(answer.responseCode);
      } finally {
        this.inFlight.delete(key);
      }
    }
    const fields: Record<number, string> = {};
    for (const n of ECHOED_FIELDS) if (f[n] !== undefined) fields[n] = f[n];
    if (decision.rrn) fields[37] = decision.rrn;
    if (decision.approvalCode) fields[38] = decision.approvalCode;
    fields[39] = decision.responseCode;
    return { mti: '0210', fields };
  }
}

interface Stack {
  iface: InterfaceConfig;
  /** ISO 8583 interfaces; ZVT and Concert need none. */
  codec?: Iso8583Codec;
  /** A terminal of its own (each station on an RS485 bus); default the emulator's one model. */
  model?: TerminalModel;
}

/**
 * Link-layer defect switches, applied to what the terminal puts on the line: `badChecksum`
 * spoils the last byte of every frame it sends (the checksum), `neverNak` turns its NAK into
 * an ACK, `slowAckMs` sends ACK/NAK late, `noDleDoubling` undoes ZVT's DLE doubling inside
 * its frames — so the conformance kind can show it catches each.
 */
function defectiveLine(transport: Transport, defects: NonNullable<EmulatorConfig['defects']>): Transport {
  if (!defects.badChecksum && !defects.neverNak && !defects.slowAckMs && !defects.noDleDoubling) return transport;
  const NAK = 0x15;
  const ACK = 0x06;
  const DLE = 0x10;
  return {
    ...transport,
    get isOpen() {
      return transport.isOpen;
    },
    write: async (bytes: Buffer) => {
      const control = bytes.length === 1 && (bytes[0] === ACK || bytes[0] === NAK);
      if (control) {
        if (defects.slowAckMs) await new Promise((r) => setTimeout(r, defects.slowAckMs));
        return transport.write(defects.neverNak && bytes[0] === NAK ? Buffer.from([ACK]) : bytes);
      }
      let frame = bytes;
      if (defects.noDleDoubling && frame.length > 4 && frame[0] === DLE) {
        // Keep the DLE STX … DLE ETX markers, collapse every doubled DLE in between.
        const body: number[] = [];
        for (let i = 2; i < frame.length - 4; i++) {
          body.push(frame[i] as number);
          if (frame[i] === DLE && frame[i + 1] === DLE) i++;
        }
        frame = Buffer.concat([frame.subarray(0, 2), Buffer.from(body), frame.subarray(frame.length - 4)]);
      }
      if (defects.badChecksum && frame.length > 2) {
        frame = Buffer.from(frame);
        frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0xff;
      }
      return transport.write(frame);
    },
  };
}

/**
 * The `ignoresRetransmits` defect: after the terminal NAKs a frame it silently discards the next
 * complete frame it receives — the sender's retransmission — with no ACK, no NAK and no
 * processing, so the sender only gets through after T1 and another try. A shadow framer of the
 * interface's framing tells where that frame ends; single control bytes between frames (ENQ,
 * ACK, NAK, EOT) still reach the link layer.
 */
function ignoringRetransmits(transport: Transport, framing: FramingConfig, defects: NonNullable<EmulatorConfig['defects']>): Transport {
  if (!defects.ignoresRetransmits) return transport;
  const NAK = 0x15;
  const CONTROL = new Set([0x04, 0x05, 0x06, NAK]);
  const shadow = createFramer(framing);
  let discarding = false;
  const filter = (chunk: Buffer): Buffer => {
    if (!discarding) return chunk;
    const kept: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (!discarding) kept.push(b);
      else if (shadow.pending === 0 && CONTROL.has(b)) kept.push(b);
      else {
        try {
          if (shadow.push(chunk.subarray(i, i + 1)).length > 0) discarding = false;
        } catch {
          shadow.reset();
          discarding = false; // a broken frame ended: that was the one to discard
        }
      }
    }
    return Buffer.from(kept);
  };
  return {
    ...transport,
    get isOpen() {
      return transport.isOpen;
    },
    onData: (listener) =>
      transport.onData((chunk) => {
        const kept = filter(chunk);
        if (kept.length > 0) listener(kept);
      }),
    write: (bytes: Buffer) => {
      if (bytes.length === 1 && bytes[0] === NAK) {
        discarding = true;
        shadow.reset();
      }
      return transport.write(bytes);
    },
  };
}

/** The rs485 interfaces of a profile, grouped by bus (the `bus` name, default "rs485"). */
export function rs485Buses(profile: DeviceProfile): Map<string, { role: string; iface: InterfaceConfig }[]> {
  const buses = new Map<string, { role: string; iface: InterfaceConfig }[]>();
  for (const [role, iface] of Object.entries(profile.interfaces)) {
    if (iface.transport.type !== 'rs485') continue;
    const bus = (iface.transport.bus as string | undefined) ?? 'rs485';
    buses.set(bus, [...(buses.get(bus) ?? []), { role, iface }]);
  }
  return buses;
}

/** TPDU = id(1) destination(2) source(2); a response goes back to where the request came from. */
function swapTpdu(tpdu: Buffer): Buffer {
  if (tpdu.length !== 5) return tpdu;
  return Buffer.concat([tpdu.subarray(0, 1), tpdu.subarray(3, 5), tpdu.subarray(1, 3)]);
}
