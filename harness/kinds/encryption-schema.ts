import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';

export type EncryptionCheck = 'pin-block' | 'mac' | 'no-clear-pan' | 'tls';
export const ENCRYPTION_CHECKS: readonly EncryptionCheck[] = ['pin-block', 'mac', 'no-clear-pan', 'tls'];

/** Requirement ids each check evidences, as they appear in reports. */
export const CHECK_REQUIREMENTS: Record<EncryptionCheck, string> = {
  'pin-block': 'ENC-PIN-001',
  mac: 'ENC-MAC-001',
  'no-clear-pan': 'ENC-PAN-001',
  tls: 'ENC-TLS-001',
};

export type HostCertificateCase = 'expired' | 'self-signed' | 'wrong-name';

export interface EncryptionParams {
  checks?: EncryptionCheck[];
  transaction: TransactionSpec;
  /** The test card presented at the terminal: PAN, expiry and the PIN the cardholder enters. */
  card: { pan: string; expiry?: string; pin: string };
  /** Transactions sent (each one a card presentation and a sale on the ECR). */
  transactions?: number;
  /** The host interface the terminal dials; default the profile's only one. */
  host?: string;
  /** `tls`: bad host certificates the terminal must refuse; default all three. */
  certificates?: HostCertificateCase[];
}

export const encryptionParamsSchema: JsonSchema = {
  type: 'object',
  description: 'Encryption on the wire: drives sales on the ECR interface with a test card and inspects what the terminal sends to poshil as the acquirer host.',
  properties: {
    checks: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['pin-block', 'mac', 'no-clear-pan', 'tls'] },
      description: 'Checks to run; default all four. pin-block: field 52/110 decrypts under the DUKPT PIN key to the card PIN, KSN never reused; mac: field 64 verifies; no-clear-pan: no PAN in the clear in any byte of any interface; tls: TLS ≥ 1.2, no weak suites offered, bad host certificates refused.',
    },
    transaction: transactionSpecSchema,
    card: {
      type: 'object',
      description: 'The test card presented at the terminal. Masked in every trace and report; the PIN never leaves the run.',
      properties: {
        pan: { type: 'string', pattern: '^[0-9]{12,19}$', description: 'Test card number.' },
        expiry: { type: 'string', pattern: '^[0-9]{4}$', description: 'YYMM' },
        pin: { type: 'string', pattern: '^[0-9]{4,12}$', description: 'The PIN the cardholder enters (4-12 digits).' },
      },
      required: ['pan', 'pin'],
      additionalProperties: false,
    },
    transactions: { type: 'integer', minimum: 1, maximum: 1000, default: 3, description: 'Sales to send.' },
    host: { type: 'string', minLength: 1, description: 'Host interface of the profile; default its only one.' },
    certificates: {
      type: 'array',
      uniqueItems: true,
      items: { enum: ['expired', 'self-signed', 'wrong-name'] },
      description: 'tls check: host certificates the terminal must refuse (default all three).',
    },
  },
  required: ['transaction', 'card'],
  additionalProperties: false,
};

export const encryptionMetrics: readonly MetricSpec[] = [
  { name: 'transactions', unit: 'transactions', description: 'Sales sent on the ECR interface (certificate probes not counted).' },
  { name: 'host_requests', unit: 'messages', description: 'Authorisation requests that reached the host simulator.' },
  { name: 'violations', unit: 'findings', description: 'Findings of every check together; 0 passes.' },
  { name: 'pin_block_failures', unit: 'findings', description: 'PIN blocks missing, undecodable, of the wrong format or not the card PIN; KSNs reused or not increasing.' },
  { name: 'mac_failures', unit: 'findings', description: 'MACs missing or not verifying.' },
  { name: 'clear_pans', unit: 'findings', description: 'PANs in the clear in any recorded byte of any interface.' },
  { name: 'tls_violations', unit: 'findings', description: 'TLS below 1.2 or weak suites offered, bad host certificates accepted, or no TLS at all.' },
];
