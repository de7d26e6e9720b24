import { PoshilError } from '../errors';

/**
 * Stable codes for every problem the crypto calculator reports. All of them are bad input (a
 * wrong length, a counter the standard forbids, a key that cannot be read), so the CLI ends
 * with exit code 2. Messages never contain key material: they name the input (`--bdk`, the
 * environment variable, the file) and what is wrong with its shape, never its value.
 */
export type CryptoErrorCode =
  | 'HEX_INVALID' // not hex, odd number of digits
  | 'KEY_LENGTH' // a key of a length the algorithm does not take
  | 'KEY_SOURCE' // a key could not be loaded (env var unset, file unreadable, two sources)
  | 'KSN_INVALID' // a KSN of the wrong length
  | 'DUKPT_COUNTER' // a transaction counter the standard does not allow
  | 'DUKPT_KEY_TYPE' // a working key type the initial key cannot derive
  | 'PIN_INVALID'
  | 'PAN_INVALID'
  | 'PIN_BLOCK_INVALID'
  | 'MAC_INPUT';

export class CryptoError extends PoshilError {
  declare readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message: string) {
    super(code, message, { exitCode: 2 });
  }
}
