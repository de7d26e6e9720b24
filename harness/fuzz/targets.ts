import { PoshilError } from '../errors';
import { createFramer } from '../framing/registry';
import type { FramingConfig } from '../suite/types';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../protocols/concert/messages';
import { Iso8583Codec } from '../protocols/iso8583/codec';
import { loadPackager } from '../protocols/iso8583/packager';
import { decodeApdu } from '../protocols/zvt/apdu';
import { decodeBmps } from '../protocols/zvt/bmp';
import { authorisation, endOfDay, statusInformation } from '../protocols/zvt/commands';
import { decodeZvtMessage } from '../protocols/zvt/messages';

/**
 * Every decoder poshil runs on bytes a device sent, as fuzz targets: each takes any bytes and
 * must either return or throw a PoshilError (a typed, explained protocol error). Anything else
 * — a TypeError, a RangeError, an endless loop — is a bug in poshil. `samples` are valid
 * inputs the fuzzer mutates, so it gets past the first length check into the deep paths.
 */
export interface FuzzTarget {
  name: string;
  samples: Buffer[];
  /** Feeds the bytes to the decoder; throws only what the decoder threw. */
  run(bytes: Buffer): void;
}

const PROJECT_DIR = process.cwd();

function isoTarget(packager: 'iso87ascii' | 'iso87binary'): FuzzTarget {
  const codec = new Iso8583Codec(loadPackager(packager, PROJECT_DIR));
  const sale = codec.pack({ mti: '0200', fields: { 2: '4761739001010119', 3: '000000', 4: '000000001234', 11: '000001', 14: '3012', 41: 'POSHIL01', 49: '978' } });
  const echo = codec.pack({ mti: '0800', fields: { 11: '000002', 70: '301' } });
  return { name: `iso8583 unpack (${packager})`, samples: [sale, echo], run: (b) => void codec.unpack(b) };
}

/**
 * A framer fed the bytes in up to three chunks (the first byte says where to cut), then
 * reset and fed again: a framer must survive its own errors and keep its state consistent.
 */
function framerTarget(name: string, config: FramingConfig, payloads: Buffer[]): FuzzTarget {
  const framer = createFramer(config);
  const samples = payloads.map((p) => framer.encode(config.tpdu ? { payload: p, header: Buffer.from('6000010002', 'hex') } : { payload: p }));
  return {
    name: `framer ${name}`,
    samples: [Buffer.concat(samples), ...samples],
    run: (b) => {
      const f = createFramer(config);
      const cut1 = b.length ? (b[0] as number) % (b.length + 1) : 0;
      const cut2 = b.length > 1 ? cut1 + ((b[1] as number) % (b.length - cut1 + 1)) : cut1;
      for (const chunk of [b.subarray(0, cut1), b.subarray(cut1, cut2), b.subarray(cut2)]) {
        try {
          f.push(chunk);
        } catch (err) {
          if (!(err instanceof PoshilError)) throw err;
        }
      }
      if (!Number.isInteger(f.pending) || f.pending < 0 || f.pending > b.length + 4) {
        throw new Error(`framer ${name}: pending is ${f.pending} after ${b.length} bytes`);
      }
    },
  };
}

export function fuzzTargets(): FuzzTarget[] {
  const zvtSale = authorisation({ amount: 1234, currency: 978 });
  const zvtStatus = statusInformation([{ bmp: 0x27, value: 0 }, { bmp: 0x04, value: 1234 }, { bmp: 0x0b, value: 17 }, { bmp: 0x22, value: '476173EEEEEE0119' }]);
  const concert = encodeRequest({ posNumber: '01', amount: '00001234', answerFlag: '0', paymentMode: '1', transactionType: '0', currency: '978', privateData: '0000000001', delay: 'A010', authorisation: 'B010' });
  const concertAnswer = encodeResponse({ posNumber: '01', status: '0', amount: '00001234', paymentMode: '1', currency: '978', privateData: '0000000001' });
  const iso = Buffer.from('0800822000000000000004000000000000000000020301', 'latin1');
  return [
    isoTarget('iso87ascii'),
    isoTarget('iso87binary'),
    framerTarget('length-prefix (2-byte binary)', { type: 'length-prefix', lengthBytes: 2, maxLength: 8192 }, [iso]),
    framerTarget('length-prefix (4 ASCII digits, TPDU)', { type: 'length-prefix', lengthBytes: 4, lengthEncoding: 'ascii', tpdu: true, maxLength: 4096 }, [iso]),
    framerTarget('stx-etx-lrc', { type: 'stx-etx-lrc', maxLength: 1024 }, [iso]),
    framerTarget('stx-etx-lrc (length byte)', { type: 'stx-etx-lrc', lengthByte: true, lrcIncludesStx: true, maxLength: 255 }, [iso]),
    framerTarget('stx-etx-lrc (concert)', { type: 'stx-etx-lrc', preset: 'concert' }, [concert]),
    framerTarget('zvt-serial', { type: 'zvt-serial' }, [zvtSale, zvtStatus, Buffer.from([0x80, 0x00, 0x00])]),
    framerTarget('zvt-tcp', { type: 'zvt-tcp' }, [zvtSale, zvtStatus]),
    { name: 'zvt apdu', samples: [zvtSale, zvtStatus], run: (b) => void decodeApdu(b) },
    { name: 'zvt message (APDU + BMPs)', samples: [zvtSale, zvtStatus, endOfDay(), Buffer.from([0x80, 0x00, 0x00])], run: (b) => void decodeZvtMessage(b) },
    { name: 'zvt BMP list', samples: [zvtStatus.subarray(3)], run: (b) => void decodeBmps(b, 0, 'fuzz') },
    { name: 'concert request', samples: [concert], run: (b) => void decodeRequest(b) },
    { name: 'concert response', samples: [concertAnswer], run: (b) => void decodeResponse(b) },
  ];
}

/** Runs one input: undefined when the target behaved (returned or threw a PoshilError), else the stray error. */
export function strayError(target: FuzzTarget, bytes: Buffer): Error | undefined {
  try {
    target.run(bytes);
    return undefined;
  } catch (err) {
    return err instanceof PoshilError ? undefined : (err as Error);
  }
}
