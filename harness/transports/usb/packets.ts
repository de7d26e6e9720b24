/**
 * How a write becomes USB transfers. The host controller cuts each transfer into packets of
 * wMaxPacketSize; a packet shorter than that ends the transfer on the device's side. So:
 * - a write longer than one transfer is cut into transfers that are whole multiples of the
 *   packet size (only the last may end short), and the device sees one continuous transfer;
 * - a write that fills its last packet exactly has no short packet to end it: the bulk classes
 *   (CDC, most vendor protocols) need a zero-length packet after it, or the device waits for
 *   more and the message sits in its buffer.
 */
export function transferPieces(length: number, maxPacketSize: number, transferSize: number): number[] {
  const perTransfer = Math.max(maxPacketSize, Math.floor(transferSize / maxPacketSize) * maxPacketSize);
  const pieces: number[] = [];
  for (let left = length; left > 0; left -= perTransfer) pieces.push(Math.min(left, perTransfer));
  return pieces;
}

/** True when a transfer of `length` bytes needs a zero-length packet to end it. */
export function needsZeroLengthPacket(length: number, maxPacketSize: number): boolean {
  return length > 0 && length % maxPacketSize === 0;
}

/** The packets a transfer of `length` bytes travels in (what a USB analyser shows), ZLP included. */
export function packetSizes(length: number, maxPacketSize: number, zeroLengthPacket: boolean): number[] {
  const sizes: number[] = [];
  for (let left = length; left > 0; left -= maxPacketSize) sizes.push(Math.min(left, maxPacketSize));
  if (length === 0 || (zeroLengthPacket && needsZeroLengthPacket(length, maxPacketSize))) sizes.push(0);
  return sizes;
}

/** A read length the host can give a transfer: a whole number of packets, at least one. */
export function readLength(transferSize: number, maxPacketSize: number): number {
  return Math.max(1, Math.floor(transferSize / maxPacketSize)) * maxPacketSize;
}
