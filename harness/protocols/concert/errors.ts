import { PoshilError } from '../../errors';

/**
 * Why a Concert exchange went wrong, as a stable code:
 * - CONCERT_ERROR: a message could not be built or read (wrong length, a field out of range);
 *   `field` and `offset` say where.
 * - CONCERT_UNSUPPORTED: the ECR asked for something Concert V2 has no command for (echo,
 *   settlement).
 * - CONCERT_MISMATCH: the terminal's answer does not belong to the request (its echoed POS
 *   number or private data differ, or it lacks the rep field the request asked for).
 */
export type ConcertErrorCode = 'CONCERT_ERROR' | 'CONCERT_UNSUPPORTED' | 'CONCERT_MISMATCH';

export class ConcertError extends PoshilError {
  /** The message field involved ("amount", "privateData"), if any. */
  readonly field?: string;
  /** Character offset (0-based) in the message of the field or byte involved, if any. */
  readonly offset?: number;

  constructor(message: string, details: { code?: ConcertErrorCode; field?: string; offset?: number } = {}) {
    super(details.code ?? 'CONCERT_ERROR', message, { exitCode: 1 });
    this.field = details.field;
    this.offset = details.offset;
  }
}
