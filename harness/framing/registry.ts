import { PoshilError } from '../errors';
import type { FramingConfig } from '../suite/types';
import type { FramingType } from './config-schemas';
import type { Framer } from './framer';
import { HidReportFramer } from './hid-report';
import { LengthPrefixFramer } from './length-prefix';
import { StxEtxLrcFramer } from './stx-etx-lrc';
import { ZvtSerialFramer } from './zvt-serial';
import { ZvtTcpFramer } from './zvt-tcp';

/**
 * One factory per framing type in framing/config-schemas.ts. `satisfies` makes a schema
 * without a factory (or a factory without a schema) a compile error, so adding a framing
 * means a schema entry, a class and one line here.
 */
export const framerFactories = {
  'length-prefix': (config: FramingConfig): Framer => new LengthPrefixFramer(config),
  'stx-etx-lrc': (config: FramingConfig): Framer => new StxEtxLrcFramer(config),
  'zvt-serial': (config: FramingConfig): Framer => new ZvtSerialFramer(config),
  'zvt-tcp': (config: FramingConfig): Framer => new ZvtTcpFramer(config),
  'hid-report': (config: FramingConfig): Framer => new HidReportFramer(config),
} as const satisfies Record<FramingType, (config: FramingConfig) => Framer>;

/**
 * Builds the framer a device profile's `framing` block describes. Throws PoshilError code
 * FRAMING_CONFIG for an unknown type or options that make no sense.
 */
export function createFramer(config: FramingConfig): Framer {
  const type = config.type;
  if (!Object.prototype.hasOwnProperty.call(framerFactories, type)) {
    throw new PoshilError(
      'FRAMING_CONFIG',
      `unknown framing type ${JSON.stringify(type)}; known types: ${Object.keys(framerFactories).join(', ')}`,
    );
  }
  return framerFactories[type as FramingType](config);
}
