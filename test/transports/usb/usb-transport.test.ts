import { freshBus, loopback } from './gadgets';
import { UsbTransport, type UsbTransportOptions } from '../../../harness/transports/usb/usb-transport';
import { VirtualUsbGadget, type UsbFunction } from '../../../harness/transports/usb/virtual-device';
import type { VirtualUsbBus } from '../../../harness/transports/usb/virtual-bus';
import type { VirtualEndpointSpec } from '../../../harness/transports/usb/virtual-descriptors';
import { packetSizes } from '../../../harness/transports/usb/packets';
import { hostUsb } from '../../../harness/transports/usb/providers';
import { encodeLineCoding, DTR_RTS } from '../../../harness/transports/usb/cdc';
import { UsbClass } from '../../../harness/transports/usb/webusb';
import { DeviceUnreachableError, LinkClosedError } from '../../../harness/errors';

/**
 * The usb transport on the virtual USB device: it finds the device, claims its interface, and
 * keeps the byte stream whole however it is cut into packets — splitting writes at
 * wMaxPacketSize, ending them with a zero-length packet where needed — and reports what goes
 * wrong on the bus (STALL, babble, a device that never takes data, an unplugged cable).
 */
const bytes = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function usbTo(bus: VirtualUsbBus, options: Partial<UsbTransportOptions> = {}): UsbTransport {
  return new UsbTransport({ vendorId: 0x1d6b, productId: 0x0104, provider: bus.provider(), transferTimeoutMs: 200, ...options });
}

/** Collects what the transport delivers until `n` bytes have arrived (or the time runs out). */
function collect(t: UsbTransport, n: number, ms = 1000): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = () => {
      off();
      clearTimeout(timer);
      resolve(got);
    };
    const off = t.onData((chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= n) done();
    });
    const timer = setTimeout(done, ms);
  });
}

async function openLoopback(packetSize: number, behaviour = {}, options: Partial<UsbTransportOptions> = {}) {
  const bus = freshBus();
  const { gadget, received } = loopback(packetSize, behaviour);
  gadget.plugInto(bus);
  const t = usbTo(bus, options);
  await t.open();
  return { bus, gadget, received, t };
}

const opened: UsbTransport[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});
const track = <T extends { t: UsbTransport }>(x: T): T => {
  opened.push(x.t);
  return x;
};

describe('usb transport', () => {
  it('opens the device by vendor and product id, claims its vendor interface and names the endpoints it uses', async () => {
    const { t, gadget } = track(await openLoopback(64));
    expect(t.isOpen).toBe(true);
    expect(t.endpoint).toBe(`1d6b:0104 on port ${gadget.busPath} interface 0 (bulk IN 0x81, bulk OUT 0x02, 64-byte packets)`);
    expect(gadget.device?.configuration?.interfaces[0]?.claimed).toBe(true);
    const echoed = collect(t, 5);
    await t.write(Buffer.from('hello'));
    expect((await echoed).toString()).toBe('hello');
  });

  describe('splits transfers at every max-packet-size boundary', () => {
    for (const packetSize of [8, 16, 32, 64, 512]) {
      const lengths = [1, packetSize - 1, packetSize, packetSize + 1, 2 * packetSize - 1, 2 * packetSize, 2 * packetSize + 1, 3 * packetSize];
      it(`${packetSize}-byte packets: ${lengths.join(', ')} bytes each arrive whole, in packets of at most ${packetSize}, with a ZLP exactly when the last packet is full`, async () => {
        const { t, gadget, received } = track(await openLoopback(packetSize));
        for (const [i, length] of lengths.filter((l) => l > 0).entries()) {
          const message = bytes(length, i);
          const capture = gadget.startCapture();
          const echoed = collect(t, length);
          await t.write(message);
          expect(await echoed).toEqual(message);
          const out = capture.filter((e) => e.direction === 'out').map((e) => e.length);
          const back = capture.filter((e) => e.direction === 'in').map((e) => e.length);
          expect(out).toEqual(packetSizes(length, packetSize, true));
          expect(back).toEqual(packetSizes(length, packetSize, true));
          expect(received.at(-1)).toEqual(message); // one transfer on the device's side, not pieces
        }
        expect(received).toHaveLength(lengths.length);
      });
    }
  });

  it('cuts a write longer than transferSize into transfers of whole packets that the device sees as one', async () => {
    const { t, received } = track(await openLoopback(64, {}, { transferSize: 150 }));
    const message = bytes(300);
    const echoed = collect(t, 300);
    await t.write(message);
    expect(await echoed).toEqual(message);
    expect(t.stats.transfersOut).toBe(3); // 128 + 128 + 44: the 150 rounded down to two packets
    expect(received).toEqual([message]);
  });

  it('sends the zero-length packet a full last packet needs; without it the device never sees the message', async () => {
    const healthy = track(await openLoopback(64));
    const echoed = collect(healthy.t, 64);
    await healthy.t.write(bytes(64));
    expect(await echoed).toEqual(bytes(64));
    expect(healthy.t.stats.zeroLengthPackets).toBe(1);

    const noZlp = track(await openLoopback(64, {}, { zeroLengthPackets: false }));
    await noZlp.t.write(bytes(64));
    await tick(50);
    expect(noZlp.received).toEqual([]);
  });

  it('does not get an answer that fills its last packet when the device drops the ZLP (and does get a short one)', async () => {
    const { t } = track(await openLoopback(64, { dropZlp: true }));
    const short = collect(t, 63, 300);
    await t.write(bytes(63));
    expect(await short).toHaveLength(63);
    const full = collect(t, 64, 150);
    await t.write(bytes(64));
    expect(await full).toHaveLength(0);
  });

  it('clears a STALL on bulk OUT, rejects that write with USB_STALL, and the next write goes through', async () => {
    const { t, received } = track(await openLoopback(64, { stallOutEvery: 2 }));
    const notes: string[] = [];
    t.onNote((n) => notes.push(n));
    await t.write(Buffer.from('one'));
    await expect(t.write(Buffer.from('two'))).rejects.toMatchObject({ code: 'USB_STALL', bytesAccepted: 0, message: expect.stringContaining('STALL on bulk OUT 0x02') });
    const echoed = collect(t, 5);
    await t.write(Buffer.from('three'));
    expect((await echoed).toString()).toContain('three');
    expect(received.map((b) => b.toString())).toEqual(['one', 'three']);
    expect(t.stats.stallsCleared).toBe(1);
    expect(notes).toEqual([expect.stringContaining('halt cleared')]);
    expect(t.isOpen).toBe(true);
  });

  it('clears a STALL on bulk IN, notes it, and reads on', async () => {
    const { t, gadget } = track(await openLoopback(64));
    const notes: string[] = [];
    t.onNote((n) => notes.push(n));
    gadget.halt('in', 1);
    await tick(20);
    expect(t.stats.stallsCleared).toBe(1);
    expect(notes).toEqual([expect.stringContaining('bulk IN 0x81 answered STALL')]);
    const echoed = collect(t, 4);
    await t.write(Buffer.from('ping'));
    expect((await echoed).toString()).toBe('ping');
  });

  it('takes the link down with USB_BABBLE when the device sends packets longer than its descriptor says', async () => {
    const { t } = track(await openLoopback(64, { inPacketSize: 512 }));
    const cause = new Promise<Error | undefined>((r) => t.onDisconnect(r));
    await t.write(bytes(100));
    expect(await cause).toMatchObject({ code: 'USB_BABBLE', message: expect.stringContaining('64 bytes its descriptor allows (wMaxPacketSize)') });
    expect(t.isOpen).toBe(false);
    await expect(t.write(bytes(1))).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('rejects a write the device never takes with USB_TIMEOUT, naming the endpoint', async () => {
    const { t } = track(await openLoopback(64, { nakOut: true }, { transferTimeoutMs: 80 }));
    const t0 = performance.now();
    await expect(t.write(bytes(10))).rejects.toMatchObject({ code: 'USB_TIMEOUT', message: expect.stringContaining('bulk OUT 0x02 did not complete within 80 ms') });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('reports an unplugged device once, refuses writes, cannot reopen while it is gone, and reopens when it is back', async () => {
    const { t, gadget } = track(await openLoopback(64));
    const disconnects: (Error | undefined)[] = [];
    t.onDisconnect((c) => disconnects.push(c));
    gadget.unplug();
    await tick(10);
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]?.message).toContain('unplugged');
    await expect(t.write(bytes(1))).rejects.toBeInstanceOf(LinkClosedError);
    await expect(t.open()).rejects.toThrow(/no USB device 1d6b:0104 — is it plugged in and powered\? \(nothing is attached to virtual USB bus/);
    gadget.replug();
    await t.open();
    const echoed = collect(t, 4);
    await t.write(Buffer.from('back'));
    expect((await echoed).toString()).toBe('back');
  });

  it('asks which device is meant when several match, and picks one by serial number or port', async () => {
    const bus = freshBus();
    const a = loopback(64, {}, { serialNumber: 'A' }).gadget;
    const b = loopback(64, {}, { serialNumber: 'B' }).gadget;
    a.plugInto(bus);
    b.plugInto(bus);
    await expect(usbTo(bus).open()).rejects.toThrow(/2 USB devices match 1d6b:0104 .*give "serialNumber" or "busPath"/);
    const bySerial = track({ t: usbTo(bus, { serialNumber: 'B' }) }).t;
    await bySerial.open();
    expect(bySerial.endpoint).toContain(`port ${b.busPath}`);
    const byPort = track({ t: usbTo(bus, { busPath: a.busPath }) }).t;
    await byPort.open();
    expect(byPort.endpoint).toContain(`port ${a.busPath}`);
    await expect(usbTo(bus, { serialNumber: 'C' }).open()).rejects.toThrow(/serial number or port differs.*serial A.*serial B/);
  });

  it('says so when the machine has no USB subsystem', async () => {
    const t = new UsbTransport({ vendorId: 0x0801, productId: 0x0002, provider: hostUsb({ sysBusUsb: '/nonexistent/sys/bus/usb' }) });
    const err = await t.open().catch((e: Error) => e);
    expect(err).toBeInstanceOf(DeviceUnreachableError);
    expect((err as Error).message).toMatch(/could not open USB device 0801:0002: this machine has no USB subsystem \(no \/nonexistent\/sys\/bus\/usb/);
  });

  it('says what interfaces the device has when the profile asks for one it lacks', async () => {
    const bus = freshBus();
    loopback(64).gadget.plugInto(bus);
    await expect(usbTo(bus, { class: 'hid' }).open()).rejects.toMatchObject({
      code: 'USB_NO_ENDPOINTS',
      message: expect.stringContaining('configuration 1 has no HID interface with an interrupt IN endpoint'),
    });
    await expect(usbTo(bus, { class: 'hid' }).open()).rejects.toThrow(/the device has: interface 0 vendor-specific \(bulk IN 1, 64 bytes; bulk OUT 2, 64 bytes\)/);
  });

  it('sends the CDC line coding and sets DTR/RTS on a CDC device it drives itself', async () => {
    const bus = freshBus();
    const fn: UsbFunction = { control: () => 'ok', received: (_ep, data) => gadget.send(1, data) };
    const gadget = new VirtualUsbGadget(
      {
        vendorId: 0x1d6b,
        productId: 0x0104,
        configurations: [
          {
            configurationValue: 1,
            interfaces: [
              { interfaceNumber: 0, alternates: [{ interfaceClass: UsbClass.cdcControl, interfaceSubclass: 2, endpoints: [{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 16, intervalMs: 16 }] }] },
              { interfaceNumber: 1, alternates: [{ interfaceClass: UsbClass.cdcData, endpoints: [{ endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: 64 }, { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 64 }] }] },
            ],
          },
        ],
      },
      fn,
    );
    gadget.plugInto(bus);
    const t = track({ t: usbTo(bus, { class: 'cdc-data', lineCoding: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } }) }).t;
    await t.open();
    expect(gadget.controlRequests).toEqual([
      { setup: { requestType: 'class', recipient: 'interface', request: 0x20, value: 0, index: 0 }, data: encodeLineCoding({ baudRate: 115200 }) },
      { setup: { requestType: 'class', recipient: 'interface', request: 0x22, value: DTR_RTS, index: 0 } },
    ]);
    expect(t.endpoint).toContain('interface 1');
    const echoed = collect(t, 3);
    await t.write(Buffer.from('cdc'));
    expect((await echoed).toString()).toBe('cdc');
  });

  it('reads a HID interface in whole reports of reportSize over a smaller interrupt packet', async () => {
    const bus = freshBus();
    const gadget = new VirtualUsbGadget({
      vendorId: 0x1d6b,
      productId: 0x0104,
      configurations: [{ configurationValue: 1, interfaces: [{ interfaceNumber: 0, alternates: [{ interfaceClass: UsbClass.hid, endpoints: [{ endpointNumber: 1, direction: 'in', type: 'interrupt', packetSize: 8, intervalMs: 1 }] }] }] }],
    });
    gadget.plugInto(bus);
    const t = track({ t: usbTo(bus, { class: 'hid', reportSize: 20 }) }).t;
    const chunks: Buffer[] = [];
    t.onData((c) => chunks.push(c));
    await t.open();
    gadget.send(1, bytes(20, 1));
    gadget.send(1, bytes(20, 2));
    await tick(40);
    expect(chunks).toEqual([bytes(20, 1), bytes(20, 2)]);
  });

  it('sends HID output in whole zero-padded reports: on the interrupt OUT endpoint, or by SET_REPORT when there is none', async () => {
    const hid = (withOut: boolean) => {
      const received: Buffer[] = [];
      const endpoints: VirtualEndpointSpec[] = [{ endpointNumber: 1, direction: 'in', type: 'interrupt', packetSize: 8, intervalMs: 1 }];
      if (withOut) endpoints.push({ endpointNumber: 2, direction: 'out', type: 'interrupt', packetSize: 8, intervalMs: 1 });
      const gadget = new VirtualUsbGadget(
        { vendorId: 0x1d6b, productId: 0x0104, configurations: [{ configurationValue: 1, interfaces: [{ interfaceNumber: 0, alternates: [{ interfaceClass: UsbClass.hid, endpoints }] }] }] },
        { received: (_ep, data) => received.push(data), control: () => 'ok' },
      );
      return { gadget, received };
    };
    const withOut = hid(true);
    const busA = freshBus();
    withOut.gadget.plugInto(busA);
    const a = track({ t: usbTo(busA, { class: 'hid', reportSize: 6 }) }).t;
    await a.open();
    await a.write(Buffer.from('abcdefgh'));
    await tick(10);
    expect(withOut.received).toEqual([Buffer.from('abcdef'), Buffer.from('gh\0\0\0\0')]);

    const viaControl = hid(false);
    const busB = freshBus();
    viaControl.gadget.plugInto(busB);
    const b = track({ t: usbTo(busB, { class: 'hid', reportSize: 6 }) }).t;
    await b.open();
    await b.write(Buffer.from('xy'));
    expect(viaControl.gadget.controlRequests).toEqual([{ setup: { requestType: 'class', recipient: 'interface', request: 0x09, value: 0x0200, index: 0 }, data: Buffer.from('xy\0\0\0\0') }]);
  });

  it('closes quietly and idempotently: no disconnect for our own close, and it can open again', async () => {
    const { t } = await openLoopback(64);
    const disconnect = jest.fn();
    t.onDisconnect(disconnect);
    await t.close();
    await t.close();
    await tick(10);
    expect(disconnect).not.toHaveBeenCalled();
    expect(t.isOpen).toBe(false);
    await t.open();
    expect(t.isOpen).toBe(true);
    await t.close();
  });
});
