/** Ingenico Concert V2 ECR protocol: the fixed-width request/response codec and the ECR session. */
export { ConcertError } from './errors';
export type { ConcertErrorCode } from './errors';
export {
  amountField,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  MAX_AMOUNT_MINOR,
  PRIVATE_DATA_LENGTH,
  REP_LENGTH,
  REQUEST_FIELDS,
  REQUEST_LENGTH,
  RESPONSE_LENGTH,
  RESPONSE_LENGTH_WITH_REP,
  responseFields,
} from './messages';
export type { AnswerFlag, Authorisation, ConcertRequest, ConcertResponse, Delay, PaymentMode, Status, TransactionCode } from './messages';
export { ConcertSession, panIn } from './session';
export type { ConcertSessionOptions } from './session';
