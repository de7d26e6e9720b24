import type { Channel } from '../channel/channel';
import type { PoshilError } from '../errors';
import { maskPan } from '../masking/pan';
import { cardFromTrack, checkTrack, type StripeCard, type TrackNumber } from '../protocols/msr/iso7811';
import type { KindContext } from './kind';

/**
 * The conformance step for a card reader: a card is swiped (by the emulated reader on request,
 * or by a person at a real one) and what the reader reports is checked — which tracks it read,
 * their ISO 7811/7813 format (sentinels, separators, alphabet, length, LRC where the reader
 * passes it on), and that they carry the card that was swiped.
 */
export interface SwipeExpectations {
  /** Tracks that must have been read (decode status 0, data present). */
  tracks?: TrackNumber[];
  /** Every track read is well formed. */
  iso7811?: boolean;
  /** The PAN and expiry on every financial track read are the swiped card's. */
  cardMatches?: boolean;
}

type CheckFn = (what: string, expected: string, actual: string, pass: boolean) => void;

export interface SwipeContext {
  timeoutMs: number;
  signal: AbortSignal;
  swipeCard?: KindContext<unknown>['swipeCard'];
  log(message: string): void;
}

export async function swipeStep(card: StripeCard, expect: SwipeExpectations, channel: Channel, ctx: SwipeContext, check: CheckFn): Promise<void> {
  if (!channel.readSwipe) {
    check('swipe', 'a card reader interface', `${channel.endpoint} speaks ${channel.protocol}`, false);
    return;
  }
  const swipe = ctx.swipeCard;
  const trigger = swipe
    ? () => swipe(card)
    : async () => ctx.log(`swipe the test card ${maskPan(card.pan)} through the reader on ${channel.endpoint} now (within ${ctx.timeoutMs} ms)`);
  let read;
  try {
    read = await channel.readSwipe({ timeoutMs: ctx.timeoutMs, signal: ctx.signal }, trigger);
  } catch (err) {
    const e = err as PoshilError;
    check('swipe', `a swipe report within ${ctx.timeoutMs} ms`, e.code === 'RESPONSE_TIMEOUT' ? 'none' : e.message, false);
    return;
  }
  const present = ([1, 2, 3] as const).filter((n) => read.tracks[n] !== undefined);
  for (const n of expect.tracks ?? []) {
    const status = read.status[n - 1] as number;
    check(`track ${n}`, 'read (decode status 0, data present)', status !== 0 ? `decode status ${status}` : read.tracks[n] === undefined ? 'no data' : 'read', status === 0 && read.tracks[n] !== undefined);
  }
  if (expect.iso7811) {
    if (present.length === 0) check('tracks', 'at least one track to check', 'none read', false);
    for (const n of present) for (const c of checkTrack(n, read.tracks[n] as string, read.includesLrc)) check(c.what, c.expected, c.actual, c.pass);
  }
  if (expect.cardMatches) {
    const expected = `PAN ${maskPan(card.pan)}, expiry ${card.expiry}`;
    const financial = present.filter((n): n is 1 | 2 => n !== 3);
    if (financial.length === 0) check('card on the stripe', expected, 'no track 1 or 2 read', false);
    for (const n of financial) {
      const found = cardFromTrack(n, read.tracks[n] as string);
      check(`card on track ${n}`, expected, found ? `PAN ${maskPan(found.pan)}, expiry ${found.expiry}` : 'no PAN and expiry found', found?.pan === card.pan && found.expiry === card.expiry);
    }
  }
}
