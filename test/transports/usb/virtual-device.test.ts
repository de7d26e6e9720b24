import { freshBus, loopback, vendorSpec } from './gadgets';
import { VirtualUsbGadget } from '../../../harness/transports/usb/virtual-device';
import { UsbClass } from '../../../harness/transports/usb/webusb';

/**
 * The virtual USB device keeps the rules a host meets on real hardware — WebUSB's (open,
 * configure, claim before transferring) and USB's (packets of wMaxPacketSize, a short packet
 * ends an IN transfer, babble, STALL until cleared, unplugging) — so a transport tested on it
 * is tested against what hardware does.
 */
const bytes = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i + seed) & 0xff));
const asBuffer = (v: DataView | undefined) => (v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.alloc(0));

async function opened(packetSize = 64, behaviour = {}) {
  const { gadget, received } = loopback(packetSize, behaviour);
  const device = gadget.plugInto(freshBus());
  await device.open();
  await device.claimInterface(0);
  return { gadget, device, received };
}

describe('virtual USB device', () => {
  it('shows its descriptors as WebUSB does, with the first configuration set as the kernel sets it', () => {
    const { gadget } = loopback(64);
    const device = gadget.plugInto(freshBus());
    expect([device.vendorId, device.productId, device.serialNumber, device.productName]).toEqual([0x1d6b, 0x0104, 'LOOP-1', 'loopback']);
    expect(device.configuration?.configurationValue).toBe(1);
    const alt = device.configuration!.interfaces[0]!.alternate;
    expect(alt.interfaceClass).toBe(UsbClass.vendor);
    expect(alt.endpoints.map((e) => `${e.type}-${e.direction}-${e.endpointNumber}-${e.packetSize}`)).toEqual(['bulk-in-1-64', 'bulk-out-2-64']);
    expect(gadget.busPath).toMatch(/^1-\d+$/);
  });

  it('refuses transfers before open and claim, as WebUSB does', async () => {
    const { gadget } = loopback(64);
    const device = gadget.plugInto(freshBus());
    await expect(device.transferOut(2, bytes(4))).rejects.toMatchObject({ name: 'InvalidStateError' });
    await device.open();
    await expect(device.transferOut(2, bytes(4))).rejects.toMatchObject({ name: 'NotFoundError' });
    await device.claimInterface(0);
    await expect(device.transferOut(2, bytes(4))).resolves.toMatchObject({ status: 'ok', bytesWritten: 4 });
    expect(device.configuration!.interfaces[0]!.claimed).toBe(true);
  });

  it('cuts an OUT transfer into packets of wMaxPacketSize; the firmware gets it at the short packet', async () => {
    const { gadget, device, received } = await opened(64);
    const capture = gadget.startCapture();
    await device.transferOut(2, bytes(150));
    await new Promise((r) => setImmediate(r));
    expect(capture.filter((e) => e.direction === 'out').map((e) => e.length)).toEqual([64, 64, 22]);
    expect(received).toEqual([bytes(150)]);
  });

  it('holds an OUT transfer that fills its last packet until a zero-length packet ends it', async () => {
    const { device, received } = await opened(64);
    await device.transferOut(2, bytes(128));
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual([]);
    await device.transferOut(2, new Uint8Array(0));
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual([bytes(128)]);
  });

  it('ends an IN transfer at a short packet, at a zero-length packet, or when the host length is filled', async () => {
    const { gadget, device } = await opened(64);
    gadget.send(1, bytes(100));
    expect(asBuffer((await device.transferIn(1, 4096)).data)).toEqual(bytes(100));
    gadget.send(1, bytes(128));
    expect(asBuffer((await device.transferIn(1, 4096)).data)).toEqual(bytes(128)); // the ZLP ended it
    gadget.send(1, bytes(192, 1));
    expect(asBuffer((await device.transferIn(1, 128)).data)).toEqual(bytes(128, 1));
    expect(asBuffer((await device.transferIn(1, 128)).data)).toEqual(bytes(192, 1).subarray(128));
  });

  it('without the zero-length packet (dropZlp), an IN transfer that fills its last packet does not end', async () => {
    const { gadget, device } = await opened(64, { dropZlp: true });
    gadget.send(1, bytes(64));
    const pending = device.transferIn(1, 4096);
    const settled = await Promise.race([pending.then(() => 'completed'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
    expect(settled).toBe('waiting');
    expect(gadget.stats.zlpsDropped).toBe(1);
    gadget.send(1, bytes(3));
    expect(asBuffer((await pending).data)).toEqual(Buffer.concat([bytes(64), bytes(3)]));
  });

  it('reports babble when the firmware sends packets longer than its descriptor allows', async () => {
    const { gadget, device } = await opened(64, { inPacketSize: 512 });
    gadget.send(1, bytes(300));
    const result = await device.transferIn(1, 4096);
    expect(result.status).toBe('babble');
  });

  it('answers STALL on a halted endpoint until the host clears the halt', async () => {
    const { gadget, device } = await opened(64);
    gadget.halt('out', 2);
    expect(await device.transferOut(2, bytes(4))).toMatchObject({ status: 'stall', bytesWritten: 0 });
    expect(await device.transferOut(2, bytes(4))).toMatchObject({ status: 'stall' });
    await device.clearHalt('out', 2);
    expect(await device.transferOut(2, bytes(4))).toMatchObject({ status: 'ok' });
    gadget.halt('in', 1);
    expect((await device.transferIn(1, 64)).status).toBe('stall');
  });

  it('stalls every Nth OUT transfer with stallOutEvery, and the halt stays until cleared', async () => {
    const { gadget, device } = await opened(64, { stallOutEvery: 3 });
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await device.transferOut(2, bytes(4))).status);
    expect(statuses).toEqual(['ok', 'ok', 'stall', 'stall']);
    expect(gadget.stats.stallsSent).toBe(1);
  });

  it('gives one packet per polling interval on an interrupt endpoint', async () => {
    const gadget = new VirtualUsbGadget({
      vendorId: 1,
      productId: 2,
      configurations: [{ configurationValue: 1, interfaces: [{ interfaceNumber: 0, alternates: [{ interfaceClass: UsbClass.hid, endpoints: [{ endpointNumber: 1, direction: 'in', type: 'interrupt', packetSize: 8, intervalMs: 20 }] }] }] }],
    });
    const device = gadget.plugInto(freshBus());
    await device.open();
    await device.claimInterface(0);
    gadget.send(1, bytes(24));
    const t0 = performance.now();
    const result = await device.transferIn(1, 24);
    expect(asBuffer(result.data)).toEqual(bytes(24));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(38); // three packets: now, +20 ms, +40 ms
  });

  it('routes class requests to the firmware, stalls what it does not support, and wants the interface claimed', async () => {
    const gadget = new VirtualUsbGadget(vendorSpec(64), { control: (setup) => (setup.request === 0x20 ? 'ok' : 'stall') });
    const device = gadget.plugInto(freshBus());
    await device.open();
    const setup = { requestType: 'class' as const, recipient: 'interface' as const, request: 0x20, value: 0, index: 0 };
    await expect(device.controlTransferOut(setup, bytes(7))).rejects.toMatchObject({ name: 'InvalidStateError' });
    await device.claimInterface(0);
    expect(await device.controlTransferOut(setup, bytes(7))).toMatchObject({ status: 'ok', bytesWritten: 7 });
    expect(await device.controlTransferOut({ ...setup, request: 0x42 })).toMatchObject({ status: 'stall' });
    expect(gadget.controlRequests.map((r) => r.setup.request)).toEqual([0x20, 0x42]);
  });

  it('fails transfers in flight when unplugged, disappears from the bus, and comes back as a new USBDevice', async () => {
    const bus = freshBus();
    const { gadget } = loopback(64);
    const first = gadget.plugInto(bus);
    await first.open();
    await first.claimInterface(0);
    const pending = first.transferIn(1, 64);
    gadget.unplug();
    await expect(pending).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(bus.devices).toEqual([]);
    await expect(first.open()).rejects.toMatchObject({ name: 'NotFoundError' });
    const second = gadget.replug();
    expect(second).not.toBe(first);
    expect(bus.devices.map((c) => c.busPath)).toEqual([gadget.busPath]);
  });

  it('aborts transfers in flight when the host closes the device', async () => {
    const { device } = await opened(64);
    const pending = device.transferIn(1, 64);
    await device.close();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
