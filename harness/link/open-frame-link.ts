import { TransportFrameLink, type FrameLink, type FrameTap } from '../framing/frame-link';
import { createFramer } from '../framing/registry';
import type { FramingConfig } from '../suite/types';
import type { Transport } from '../transports/transport';
import { AckNakLink } from './ack-nak-link';

/**
 * The frame link a framing needs: serial ECR framings (ZVT DLE framing, STX/ETX/LRC) carry a
 * link layer that ACKs, NAKs and retransmits every frame; length-prefixed and TCP framings
 * rely on the transport and need none.
 */
const ACK_NAK_FRAMINGS = new Set(['zvt-serial', 'stx-etx-lrc']);

export function openFrameLink(transport: Transport, framing: FramingConfig, tap?: FrameTap): FrameLink & { dispose(): void } {
  const framer = createFramer(framing);
  if (ACK_NAK_FRAMINGS.has(framing.type) && framing.ackNak !== false) {
    // Unless the profile says otherwise: T1 3 s, 3 retransmissions, no T2 (see ack-nak-link.ts).
    const timing = (name: 't1Ms' | 'retries' | 't2Ms') => (typeof framing[name] === 'number' ? (framing[name] as number) : undefined);
    return new AckNakLink(transport, { framer, tap, t1Ms: timing('t1Ms'), retries: timing('retries'), t2Ms: timing('t2Ms') });
  }
  return new TransportFrameLink(transport, framer, tap);
}
