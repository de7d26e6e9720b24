/**
 * Published ZVT byte examples used by the framing and codec tests. Nothing here is invented:
 * each string is copied from the source named with it. The ZVT specification itself
 * (PA00P015 "ECR-Interface ZVT-Protocol", PA00P016 transport protocol) was not readable
 * through our search tools beyond its first pages, so these are traces and examples from
 * open-source ZVT implementations and vendor documentation, each produced against real
 * terminals or the specification.
 */

/**
 * Complete serial frames (DLE STX APDU DLE ETX CRC-L CRC-H) from ecrterm's encoding tests,
 * which its docstring says reproduce logged terminal traces ("Unter docs/examples finden sich
 * dateien mit logs. Diese Tests sehen nach ob unsere Klassen dieselben binären daten erzeugen"):
 * https://github.com/wirelane/ecrterm/blob/master/ecrterm/tests/test_data_encoding.py
 */
export const ECRTERM_SERIAL_FRAMES = {
  /** Registration, password 123456, config byte BA, currency 0978 (EUR). */
  registration: '10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3',
  /** Initialisation 06 93, password 123456. */
  initialisation: '10 02 06 93 03 12 34 56 10 03 CA A4',
  /** Authorisation of 110.00 EUR: amount 00 00 00 01 10 00 has a 10 (DLE), sent doubled. */
  authorisation: '10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF',
  /** Diagnosis 06 70, no data. */
  diagnosis: '10 02 06 70 00 10 03 D9 F9',
  /** Print line, attribute 00, "Gesamt      0       0,00". */
  printLine: '10 02 06 D1 19 00 47 65 73 61 6D 74 20 20 20 20 20 20 30 20 20 20 20 20 20 20 30 2C 30 30 10 03 B5 AB',
  /** Positive acknowledgement 80 00 00. */
  positiveAck: '10 02 80 00 00 10 03 F5 1F',
  /** Negative acknowledgement 84 9C 00. */
  negativeAck: '10 02 84 9C 00 10 03 C3 41',
  /** Reset terminal 06 18. */
  resetTerminal: '10 02 06 18 00 10 03 56 3A',
  /** Status enquiry, password 123456. */
  statusEnquiry: '10 02 05 01 03 12 34 56 10 03 E0 43',
} as const;

/**
 * A completion sent by a PT after a status enquiry, with software version "2.14.15" and
 * terminal status 00; ecrterm's parsing test says it "is sent by the PT with version on
 * statusenquiry": https://github.com/wirelane/ecrterm/blob/master/ecrterm/tests/test_parsing.py
 */
export const ECRTERM_COMPLETION_WITH_VERSION = '10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11';

/**
 * APDUs (no serial framing) from ecrterm's parsing test PACKET_LIST ("from the tutorial, from
 * complicated scenarios, from failing parsings"), same file as above.
 */
export const ECRTERM_APDUS = {
  printLine: '06 D1 17 00 20 20 20 20 20 20 20 20 20 4B 61 73 73 65 6E 73 63 68 6E 69 74 74',
  statusInformation:
    '04 0F 37 27 00 04 00 00 00 00 40 00 49 09 78 0C 09 38 48 0D 04 25 22 F1 F1 59 66 66 66 66 D2 00 21 22 01 00 17 00 01 87 01 75 0B 61 39 95 19 40 29 60 09 99 14 0E 05 12 8A 02',
  completion: '06 0F 11 19 00 29 52 00 12 33 49 09 78 06 05 27 03 14 01 FF',
  authorisation: '06 01 0E 02 01 04 00 00 00 00 10 00 19 44 49 09 78',
  intermediateStatus: '04 FF 1E 0A 01 06 1A 24 18 07 16 42 69 74 74 65 20 4B 61 72 74 65 20 65 69 6E 73 74 65 63 6B 65 6E',
} as const;

/**
 * Status-information APDUs captured from a terminal, from Portalum.Zvt's unit tests:
 * https://github.com/Portalum/Portalum.Zvt/blob/main/src/Portalum.Payment.Zvt.UnitTest/StatusInformationParserTest.cs
 */
export const PORTALUM_APDUS = {
  /** Parse_AbortByKey: result code 6C, TID 28004869, additional text "Abbruch durch Kunde". */
  abortByKey: '04 0F 1E 27 6C 29 28 00 48 69 3C F0 F1 F9 41 62 62 72 75 63 68 20 64 75 72 63 68 20 4B 75 6E 64 65',
  /** Parse_PaymentGood1: 20.40 EUR, masked PAN (E digits) …4771, card name "Debit Mastercard". */
  paymentGood:
    '04 0F 77 27 00 04 00 00 00 00 20 40 0B 00 04 70 0C 22 39 53 0D 10 06 0E 25 12 17 00 01 19 70 22 F0 F8 EE EE EE EE EE EE 47 71 29 28 00 48 69 ' +
    '2A 31 30 30 34 36 31 37 36 33 20 20 20 20 20 20 3B 36 31 31 38 30 34 00 00 3C F0 F1 F4 47 45 4E 2E 4E 52 2E 3A 36 31 31 38 30 34 49 09 78 ' +
    '87 04 70 88 00 04 70 8A 2E 8B F1 F7 44 65 62 69 74 20 4D 61 73 74 65 72 63 61 72 64 00',
  /** Parse_TlvInfos1: contactless payment with a TLV container and BMP A0. */
  tlvInfos:
    '04 0F 65 27 00 0C 23 13 55 0D 10 29 0E 99 99 22 F0 F8 EE EE EE EE EE EE 47 71 A0 01 29 00 00 00 06 87 00 08 0B 00 00 00 8A 06 8B F1 F1 4D 41 53 54 45 52 43 41 52 44 00 ' +
    '06 2E 2F 08 1F 12 01 02 1F 10 01 00 60 1B 43 07 A0 00 00 00 04 10 10 44 10 44 65 62 69 74 20 4D 61 73 74 65 72 63 61 72 64 1F 2B 04 10 01 50 08',
} as const;

/**
 * Registration commands a terminal vendor (dc zahlungssysteme) recommends to an integrator,
 * quoted in bezahl-online/zvt doc/memos/memo21020401.txt:
 * https://github.com/bezahl-online/zvt/blob/master/doc/memos/memo21020401.txt
 */
export const VENDOR_REGISTRATIONS = {
  /** "Druck aller Belege am Terminal: (Configbyte 08) … 0600 0612 3456 0809 78" */
  printOnTerminal: '0600 0612 3456 0809 78',
  /** "Blockdruck über Kasse … (Configbyte 0x8E) 0600 0E12 3456 8E09 7806 0626 040A 0206 D3" */
  blockPrintOnEcr: '0600 0E12 3456 8E09 7806 0626 040A 0206 D3',
} as const;

/**
 * Abort sent by a CCV terminal when initialisation fails: "The terminal is sending an abort
 * “06 1E 01 7D”" — CCV OPM-C60 manual, 6.4.1.2 (https://www.easymanua.ls/ccv/opm-c60/manual?p=53).
 */
export const CCV_ABORT = '06 1E 01 7D';
