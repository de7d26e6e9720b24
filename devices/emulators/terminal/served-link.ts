import type net from 'node:net';
import type { SerialPortStream } from '@serialport/stream';
import type { LineRate, Transport } from '../../../harness/transports/transport';
import type { VirtualTransport } from '../../../harness/transports/virtual';

/** The terminal's side of one connection, whatever carries it. */
export interface ServedLink {
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: () => void): void;
  write(bytes: Buffer): void;
  readonly closed: boolean;
  destroy(): void;
}

export function socketLink(socket: net.Socket): ServedLink {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  return {
    onData: (l) => socket.on('data', l),
    onClose: (l) => socket.on('close', l),
    write: (b) => socket.write(b),
    get closed() {
      return socket.destroyed;
    },
    destroy: () => socket.destroy(),
  };
}

export function virtualLink(end: VirtualTransport): ServedLink {
  return {
    onData: (l) => end.onData(l),
    onClose: (l) => end.onDisconnect(() => l()),
    write: (b) => void end.write(b).catch(() => undefined),
    get closed() {
      return !end.isOpen;
    },
    destroy: () => end.disconnect(),
  };
}


/**
 * A serial line at its baud rate. A pseudo-terminal moves bytes instantly, so the terminal
 * paces both directions itself: a request is only "received" once its last character would
 * have arrived, and a response leaves at the rate the line allows. Latency over emulated
 * RS232 then has the floor real RS232 has.
 */
export function serialLink(port: SerialPortStream, rate: LineRate): ServedLink {
  const msFor = (bytes: number) => (bytes * rate.bitsPerCharacter * 1000) / rate.bitsPerSecond;
  let rxFreeAt = 0;
  let txFreeAt = 0;
  const listeners: ((chunk: Buffer) => void)[] = [];
  port.on('data', (chunk: Buffer) => {
    const now = performance.now();
    rxFreeAt = Math.max(now, rxFreeAt) + msFor(chunk.length);
    setTimeout(() => listeners.forEach((l) => l(chunk)), rxFreeAt - now);
  });
  port.on('error', () => undefined);
  return {
    onData: (l) => void listeners.push(l),
    onClose: (l) => void port.on('close', l),
    write: (b) => {
      const now = performance.now();
      txFreeAt = Math.max(now, txFreeAt) + msFor(b.length);
      setTimeout(() => {
        if (port.isOpen) port.write(b);
      }, txFreeAt - now);
    },
    get closed() {
      return !port.isOpen;
    },
    destroy: () => {
      if (port.isOpen) port.close();
    },
  };
}

/**
 * The terminal's side of a connection seen as a poshil Transport, so the same framing and
 * link-layer code (ACK/NAK, retransmission) serves both ends of the line.
 */
export function servedTransport(link: ServedLink): Transport {
  return {
    type: 'emulated',
    endpoint: 'emulated terminal',
    get isOpen() {
      return !link.closed;
    },
    open: async () => undefined,
    write: async (bytes) => link.write(bytes),
    close: async () => link.destroy(),
    onData: (listener) => {
      link.onData(listener);
      return () => undefined;
    },
    onDisconnect: (listener) => {
      link.onClose(() => listener(undefined));
      return () => undefined;
    },
  };
}

/**
 * A serial line for the emulated RS485 bus: received bytes arrive paced at the line rate, as
 * with serialLink, but writes leave at once — the bus schedules its stations' transmissions
 * itself and writes each when its last character would have arrived.
 */
export function serialWire(port: SerialPortStream, rate: LineRate): ServedLink & { writeNow(bytes: Buffer): void } {
  const paced = serialLink(port, rate);
  return {
    ...paced,
    get closed() {
      return !port.isOpen;
    },
    writeNow: (bytes) => {
      if (port.isOpen) port.write(bytes);
    },
  };
}
