import { needsZeroLengthPacket, packetSizes, readLength, transferPieces } from '../../../harness/transports/usb/packets';

/** How a write becomes transfers and packets: whole packets per transfer, a ZLP after a full last packet. */
describe('USB transfer and packet arithmetic', () => {
  it('cuts a write into transfers of whole packets, only the last one short', () => {
    expect(transferPieces(300, 64, 150)).toEqual([128, 128, 44]);
    expect(transferPieces(256, 64, 4096)).toEqual([256]);
    expect(transferPieces(100, 64, 10)).toEqual([64, 36]); // a transfer holds at least one packet
    expect(transferPieces(0, 64, 4096)).toEqual([]);
  });

  it('wants a zero-length packet exactly when the last packet is full', () => {
    expect([63, 64, 65, 128, 0].map((n) => needsZeroLengthPacket(n, 64))).toEqual([false, true, false, true, false]);
    expect(packetSizes(128, 64, true)).toEqual([64, 64, 0]);
    expect(packetSizes(128, 64, false)).toEqual([64, 64]);
    expect(packetSizes(130, 64, true)).toEqual([64, 64, 2]);
    expect(packetSizes(0, 64, true)).toEqual([0]);
  });

  it('reads whole packets', () => {
    expect(readLength(4096, 64)).toBe(4096);
    expect(readLength(100, 64)).toBe(64);
    expect(readLength(10, 512)).toBe(512);
  });
});
