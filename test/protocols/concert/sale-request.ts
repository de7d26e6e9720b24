import type { ConcertRequest } from '../../../harness/protocols/concert';

/**
 * The documented Concert V2 request the tests share: 12.34 EUR, card, debit, short answer,
 * answer at end of transaction, terminal decides; private data blank (the session fills a
 * 6-digit sequence there: see `withSequence`).
 */
export const SALE_1234: ConcertRequest = {
  posNumber: '01',
  amount: '00001234',
  answerFlag: '0',
  paymentMode: '1',
  transactionType: '0',
  currency: '978',
  privateData: '          ',
  delay: 'A010',
  authorisation: 'B010',
};

/** The sale as the ECR session sends it: sequence number `n` in the private data. */
export const withSequence = (n: number): ConcertRequest => ({ ...SALE_1234, privateData: String(n).padStart(6, '0').padEnd(10, ' ') });
