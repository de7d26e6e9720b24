import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus } from '@serialport/bindings-interface';

/**
 * An in-process serialport binding whose ports come in connected pairs: what one end writes,
 * the other reads. It stands in for a pseudo-terminal pair where socat is not installed, so
 * emulated serial interfaces still run through the serialport stream and binding contract
 * (read/write/close semantics, cancelled reads) — only the kernel tty layer is missing, and
 * the run says so.
 */
export const PAIR_PREFIX = 'poshil-pair:';

interface Endpoint {
  port?: PairedPort;
  peer: string;
}

const endpoints = new Map<string, Endpoint>();

/** Registers a connected pair and returns the two paths to open. */
export function createPortPair(name: string): { harnessPath: string; devicePath: string; remove(): void } {
  const harnessPath = `${PAIR_PREFIX}${name}:harness`;
  const devicePath = `${PAIR_PREFIX}${name}:device`;
  endpoints.set(harnessPath, { peer: devicePath });
  endpoints.set(devicePath, { peer: harnessPath });
  return {
    harnessPath,
    devicePath,
    remove: () => {
      for (const p of [harnessPath, devicePath]) {
        void endpoints.get(p)?.port?.close();
        endpoints.delete(p);
      }
    },
  };
}

function cancelled(message: string): Error & { canceled: true } {
  return Object.assign(new Error(message), { canceled: true as const });
}

class PairedPort implements BindingPortInterface {
  isOpen = true;
  private hungUp = false;
  readonly openOptions: Required<OpenOptions>;
  private readonly inbox: Buffer[] = [];
  private reader: { resolve: (n: number) => void; reject: (e: Error) => void; buffer: Buffer; offset: number; length: number } | undefined;

  constructor(
    private readonly path: string,
    options: OpenOptions,
  ) {
    this.openOptions = { dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true, ...options } as Required<OpenOptions>;
  }

  deliver(bytes: Buffer): void {
    this.inbox.push(bytes);
    this.serve();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw cancelled('port is closed');
    if (this.hungUp && this.inbox.length === 0) throw new Error('the other end of the line went away');
    const bytesRead = await new Promise<number>((resolve, reject) => {
      this.reader = { resolve, reject, buffer, offset, length };
      this.serve();
    });
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw cancelled('port is closed');
    const peer = endpoints.get(endpoints.get(this.path)?.peer ?? '')?.port;
    const copy = Buffer.from(buffer);
    // Asynchronous, like a real line: never in the writer's call stack.
    if (peer?.isOpen) setImmediate(() => peer.deliver(copy));
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    const endpoint = endpoints.get(this.path);
    if (endpoint) endpoint.port = undefined;
    this.reader?.reject(cancelled('port closed'));
    this.reader = undefined;
    // The other end sees its line go dead, as after unplugging a cable.
    const peer = endpoints.get(endpoint?.peer ?? '')?.port;
    peer?.hangUp();
  }

  hangUp(): void {
    // Remembered, so a read that starts only after the hang-up learns of it too.
    this.hungUp = true;
    this.reader?.reject(new Error('the other end of the line went away'));
    this.reader = undefined;
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.inbox.length = 0;
  }
  async drain(): Promise<void> {}

  private serve(): void {
    const r = this.reader;
    if (!r || this.inbox.length === 0) return;
    const chunk = this.inbox[0] as Buffer;
    const n = Math.min(r.length, chunk.length);
    chunk.copy(r.buffer, r.offset, 0, n);
    if (n === chunk.length) this.inbox.shift();
    else this.inbox[0] = chunk.subarray(n);
    this.reader = undefined;
    r.resolve(n);
  }
}

export const PairedBinding: BindingInterface<PairedPort> = {
  async list(): Promise<PortInfo[]> {
    return [...endpoints.keys()].map((path) => ({ path, manufacturer: 'poshil', serialNumber: undefined, pnpId: undefined, locationId: undefined, productId: undefined, vendorId: undefined }));
  },
  async open(options: OpenOptions): Promise<PairedPort> {
    const endpoint = endpoints.get(options.path);
    if (!endpoint) throw new Error(`No such file or directory, cannot open ${options.path}`);
    if (endpoint.port) throw new Error(`Error Resource temporarily unavailable Cannot lock port ${options.path}`);
    endpoint.port = new PairedPort(options.path, options);
    return endpoint.port;
  },
};
