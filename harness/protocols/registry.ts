import { PoshilError } from '../errors';
import type { FrameLink } from '../framing/frame-link';
import type { InterfaceConfig } from '../suite/types';
import type { ProtocolType } from './config-schemas';
import { Iso8583Codec } from './iso8583/codec';
import { loadPackager } from './iso8583/packager';
import { Iso8583Session, StanSequence } from './iso8583/session';
import { ZvtSession } from './zvt/session';
import { ConcertSession } from './concert/session';
import type { PaymentMode } from './concert/messages';
import { MsrSession } from './msr/session';
import type { ProtocolSession, SecretSink } from './protocol';

/** Builds the protocol session a device interface speaks, over an already framed link. */
type SessionFactory = (iface: InterfaceConfig, link: FrameLink, secrets: SecretSink, baseDir: string, shared: SessionShared) => ProtocolSession;

/** State several sessions to the same device interface share (e.g. the STAN sequence). */
export interface SessionShared {
  stans?: StanSequence;
}

// Default TPDU for length-prefixed ISO 8583 with a TPDU header: id 0x60, destination 0001,
// source 0000 — the common acquirer convention; devices that need others say so in the profile.
const DEFAULT_TPDU = Buffer.from('6000010000', 'hex');

export { StanSequence };

const factories: Record<ProtocolType, SessionFactory> = {
  zvt: (iface, link, secrets) =>
    new ZvtSession(link, secrets, { password: iface.protocol.password as string | undefined, currency: (iface.protocol.currency as number | undefined) ?? 978 }),
  iso8583: (iface, link, secrets, baseDir, shared) => {
    const p = iface.protocol;
    const codec = new Iso8583Codec(loadPackager(p.packager as string, baseDir));
    return new Iso8583Session(link, codec, secrets, {
      terminalId: p.terminalId as string | undefined,
      merchantId: p.merchantId as string | undefined,
      currency: p.currency as string | undefined,
      tpdu: iface.framing.tpdu ? DEFAULT_TPDU : undefined,
      stans: shared.stans,
    });
  },
  msr: (iface, link, secrets) => new MsrSession(link, secrets, { lrc: iface.protocol.lrc as boolean | undefined }),
  concert: (iface, link, secrets) =>
    new ConcertSession(link, secrets, {
      posNumber: iface.protocol.posNumber as string | undefined,
      currency: iface.protocol.currency as string | undefined,
      answerFlag: iface.protocol.answerFlag as boolean | undefined,
      paymentMode: iface.protocol.paymentMode as PaymentMode | undefined,
    }),
};

export function createSession(iface: InterfaceConfig, link: FrameLink, secrets: SecretSink, baseDir: string, shared: SessionShared = {}): ProtocolSession {
  const factory = (factories as Record<string, SessionFactory>)[iface.protocol.type];
  if (!factory) {
    throw new PoshilError('UNKNOWN_PROTOCOL', `unknown protocol "${iface.protocol.type}"; known protocols: ${Object.keys(factories).join(', ')}`);
  }
  return factory(iface, link, secrets, baseDir, shared);
}
