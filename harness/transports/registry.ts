import { PoshilError } from '../errors';
import type { TransportConfig } from '../suite/types';
import type { TransportType } from './config-schemas';
import { TcpTransport } from './tcp';
import type { Transport } from './transport';
import { connectVirtual } from './virtual';

/**
 * Builds a transport from a validated device-profile `transport` block. `overrides` carries
 * what only the run knows, e.g. the port an embedded emulator chose.
 */
const factories: Record<TransportType, (config: TransportConfig) => Transport> = {
  tcp: (c) =>
    new TcpTransport({
      host: c.host as string | undefined,
      port: c.port as number,
      connectTimeoutMs: c.connectTimeoutMs as number | undefined,
      noDelay: c.noDelay as boolean | undefined,
    }),
  virtual: (c) => connectVirtual((c.name as string | undefined) ?? 'default', { bitsPerSecond: c.bitsPerSecond as number | undefined }),
};

export function createTransport(config: TransportConfig, overrides: Partial<TransportConfig> = {}): Transport {
  const factory = (factories as Record<string, (config: TransportConfig) => Transport>)[config.type];
  if (!factory) {
    throw new PoshilError('UNKNOWN_TRANSPORT', `unknown transport "${config.type}"; known transports: ${Object.keys(factories).join(', ')}`);
  }
  return factory({ ...config, ...overrides });
}
