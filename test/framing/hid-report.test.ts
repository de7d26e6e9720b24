import { HidReportFramer } from '../../harness/framing/hid-report';
import { createFramer } from '../../harness/framing/registry';

/** HID reports are cut by count alone: a report arrives whole however the packets split it. */
describe('hid-report framing', () => {
  it('cuts the stream into reports of reportSize, whatever the chunks', () => {
    const framer = new HidReportFramer({ type: 'hid-report', reportSize: 10 });
    const stream = Buffer.from(Array.from({ length: 25 }, (_, i) => i));
    const frames = [stream.subarray(0, 3), stream.subarray(3, 14), stream.subarray(14, 25)].flatMap((c) => framer.push(c));
    expect(frames.map((f) => [...f.payload])).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]]);
    expect(framer.pending).toBe(5);
    framer.reset();
    expect(framer.pending).toBe(0);
  });

  it('pads an output report to its size and refuses a payload that does not fit', () => {
    const framer = createFramer({ type: 'hid-report', reportSize: 4 });
    expect([...framer.encode({ payload: Buffer.from([1, 2]) })]).toEqual([1, 2, 0, 0]);
    expect(() => framer.encode({ payload: Buffer.alloc(5) })).toThrow(/does not fit a 4-byte report/);
  });

  it('checks its options', () => {
    expect(() => createFramer({ type: 'hid-report', reportSize: 0 })).toThrow(/reportSize is 0/);
  });
});
