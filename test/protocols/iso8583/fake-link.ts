import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Frame } from '../../../harness/framing/framer';
import type { FrameLink } from '../../../harness/framing/frame-link';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import type { Iso8583Message } from '../../../harness/protocols/iso8583/types';

/** The iso87ascii codec of devices/, for session specs. */
export const codec = new Iso8583Codec(loadPackager('iso87ascii', path.join(__dirname, '..', '..', '..', 'devices')));

/**
 * A device behind a FrameLink, in-process: each request is decoded and handed to `onRequest`
 * (with its bytes), which answers through `reply` whenever it likes (or never).
 */
export function fakeLink(onRequest: (request: Iso8583Message, reply: (answer: Iso8583Message) => void, payload: Buffer) => void): FrameLink {
  const listeners = new Set<(frame: Frame, bytes: number) => void>();
  const reply = (answer: Iso8583Message) => {
    const payload = codec.pack(answer);
    for (const l of listeners) l({ payload, receivedAt: performance.now() }, payload.length);
  };
  return {
    endpoint: 'test device',
    send: (frame) => {
      onRequest(codec.unpack(frame.payload), reply, frame.payload);
      return Promise.resolve(frame.payload.length);
    },
    onFrame: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onFramingError: () => () => undefined,
    onClose: () => () => undefined,
  };
}
