/**
 * CDC ACM class requests (USB CDC PSTN subclass 1.2, §6.3): the line coding a USB-serial
 * bridge or a CDC terminal uses on its UART side, and the DTR/RTS lines many devices wait for
 * before they send anything. Only needed when poshil drives a CDC device itself; a CDC-ACM
 * device the kernel has bound appears as /dev/ttyACM* and goes through the `serial` transport.
 */
export const CdcRequest = {
  setLineCoding: 0x20,
  getLineCoding: 0x21,
  setControlLineState: 0x22,
} as const;

/** DTR and RTS on: "the host is there", what most CDC firmware waits for. */
export const DTR_RTS = 0x0003;

export interface LineCoding {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8 | 16;
  parity?: 'none' | 'odd' | 'even' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
}

const PARITY = ['none', 'odd', 'even', 'mark', 'space'] as const;
const STOP_BITS = [1, 1.5, 2] as const;

/** The 7-byte line coding structure: dwDTERate (little endian), bCharFormat, bParityType, bDataBits. */
export function encodeLineCoding(coding: LineCoding): Buffer {
  const out = Buffer.alloc(7);
  out.writeUInt32LE(coding.baudRate, 0);
  out[4] = STOP_BITS.indexOf(coding.stopBits ?? 1);
  out[5] = PARITY.indexOf(coding.parity ?? 'none');
  out[6] = coding.dataBits ?? 8;
  return out;
}

export function decodeLineCoding(bytes: Buffer): LineCoding | undefined {
  if (bytes.length !== 7) return undefined;
  const stopBits = STOP_BITS[bytes[4] as number];
  const parity = PARITY[bytes[5] as number];
  const dataBits = bytes[6] as LineCoding['dataBits'];
  if (stopBits === undefined || parity === undefined || ![5, 6, 7, 8, 16].includes(dataBits as number)) return undefined;
  return { baudRate: bytes.readUInt32LE(0), dataBits, parity, stopBits };
}
