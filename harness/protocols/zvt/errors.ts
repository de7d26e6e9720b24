import { PoshilError } from '../../errors';

/**
 * A ZVT APDU or BMP could not be built or read. Names the APDU (control field), the BMP and
 * the byte offset inside the APDU where the problem is, so a trace can be checked by hand.
 */
export class ZvtError extends PoshilError {
  /** Offset in the APDU (control field = byte 0) of the byte that could not be read. */
  readonly offset?: number;
  /** The BMP (bitmap field number) being read or written, if any. */
  readonly bmp?: number;

  constructor(message: string, details?: { offset?: number; bmp?: number }) {
    super('ZVT_ERROR', message, { exitCode: 1 });
    this.offset = details?.offset;
    this.bmp = details?.bmp;
  }
}

/** "0x2A" */
export function hex2(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}
