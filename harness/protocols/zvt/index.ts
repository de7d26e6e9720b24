/** ZVT (German ECR ↔ payment terminal protocol) APDU codec: APDUs, BMPs, command builders, message reader. */
export { controlField, decodeApdu, encodeApdu, MAX_APDU_DATA } from './apdu';
export type { DecodedApdu, ZvtApdu } from './apdu';
export { BMP_DEFINITIONS, bmpByName, bmpDefinition, decodeBmp, decodeBmps, encodeBmp, encodeBmps, findBmp } from './bmp';
export type { BmpDefinition, BmpFormat, BmpInput, DecodedBmp, DecodeOptions } from './bmp';
export * from './commands';
export { ZvtError } from './errors';
export { decodeZvtMessage } from './messages';
export type { ZvtMessage, ZvtMessageKind } from './messages';
