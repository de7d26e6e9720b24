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
  if (ACK_NAK_FRAMINGS.has(framing.type)) {
    // T1 3 s and 3 retransmissions: the link layer's defaults (see ack-nak-link.ts).
    return new AckNakLink(transport, { framer, tap });
  }
  return new TransportFrameLink(transport, framer, tap);
}
