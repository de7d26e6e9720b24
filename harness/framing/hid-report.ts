/**
 * HID reports: every message is one report of a fixed size, as a HID device defines it in its
 * report descriptor. The link may hand the bytes over in any pieces (a report larger than the
 * interrupt endpoint's packet arrives in several packets), so frames are cut by count alone.
 * Encoding pads a payload to the report size; a longer payload is a framing error.
 */
import { FramingError } from '../errors';
import type { FramingConfig } from '../suite/types';
import type { Frame, Framer } from './framer';
import { checkOptionNames, integerOption } from './option-checks';

const TYPE = 'hid-report';

export class HidReportFramer implements Framer {
  readonly type = TYPE;
  readonly reportSize: number;
  private buffered: Buffer[] = [];
  private count = 0;

  constructor(config: FramingConfig) {
    const block = checkOptionNames(TYPE, config, ['reportSize']);
    this.reportSize = integerOption(TYPE, 'reportSize', block.reportSize, 64, 1, 4096, 'bytes');
  }

  get pending(): number {
    return this.count;
  }

  encode(frame: Frame): Buffer {
    if (frame.payload.length > this.reportSize) throw new FramingError(`${TYPE}: a ${frame.payload.length}-byte payload does not fit a ${this.reportSize}-byte report`);
    const report = Buffer.alloc(this.reportSize);
    frame.payload.copy(report);
    return report;
  }

  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.count += chunk.length;
    if (this.count < this.reportSize) return [];
    const all = Buffer.concat(this.buffered);
    const frames: Frame[] = [];
    let offset = 0;
    for (; offset + this.reportSize <= all.length; offset += this.reportSize) frames.push({ payload: Buffer.from(all.subarray(offset, offset + this.reportSize)) });
    const rest = all.subarray(offset);
    this.buffered = rest.length ? [rest] : [];
    this.count = rest.length;
    return frames;
  }

  reset(): void {
    this.buffered = [];
    this.count = 0;
  }
}
