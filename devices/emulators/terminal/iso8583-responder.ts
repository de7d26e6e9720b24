import { ECHOED_FIELDS, type Iso8583Message } from '../../../harness/protocols/iso8583/types';
import { ResponseCodes, type TerminalModel } from './terminal-model';

/**
 * The terminal's ISO 8583 face: request message in, response message out, decisions by the
 * model. Response MTI = request MTI + 10; the fields a requester matches on (STAN, terminal id,
 * amounts, dates) are echoed as ISO 8583:1987 expects of a response.
 */

export function respondIso8583(model: TerminalModel, request: Iso8583Message): Iso8583Message {
  const f = request.fields;
  const mti = String(Number(request.mti) + 10).padStart(4, '0');
  const fields: Record<number, string> = {};
  for (const n of ECHOED_FIELDS) if (f[n] !== undefined) fields[n] = f[n];
  const terminalId = f[41] ?? '';
  const stan = f[11] ?? '000000';

  switch (request.mti) {
    case '0200': {
      const processing = f[3] ?? '000000';
      const type = processing.startsWith('20') ? 'refund' : 'sale';
      const decision = model.authorise({
        type,
        terminalId,
        stan,
        amountMinor: Number(f[4] ?? '0'),
        currency: f[49] ?? '978',
        pan: f[2],
        expiry: f[14],
      });
      fields[37] = decision.rrn;
      if (decision.approvalCode) fields[38] = decision.approvalCode;
      fields[39] = decision.responseCode;
      return { mti, fields };
    }
    case '0400':
    case '0420': {
      const original = (f[90] ?? '').slice(4, 10);
      const decision = model.reverse({ terminalId, stan, originalStan: original, amountMinor: Number(f[4] ?? '0'), currency: f[49] ?? '978' });
      fields[37] = decision.rrn;
      fields[39] = decision.responseCode;
      return { mti, fields };
    }
    case '0500': {
      const t = model.totals();
      // ISO 8583:1987 reconciliation totals: 74 credits number, 76 debits number,
      // 77 debits reversal number, 86 credits amount, 88 debits amount, 89 debits reversal amount.
      fields[74] = String(t.refunds.count).padStart(10, '0');
      fields[76] = String(t.sales.count).padStart(10, '0');
      fields[77] = String(t.reversals.count).padStart(10, '0');
      fields[86] = String(t.refunds.amountMinor).padStart(16, '0');
      fields[88] = String(t.sales.amountMinor).padStart(16, '0');
      fields[89] = String(t.reversals.amountMinor).padStart(16, '0');
      fields[39] = ResponseCodes.approved;
      return { mti, fields };
    }
    case '0800': {
      model.echo();
      if (f[70] !== undefined) fields[70] = f[70];
      fields[39] = ResponseCodes.approved;
      return { mti, fields };
    }
    default:
      fields[39] = ResponseCodes.invalidTransaction;
      return { mti, fields };
  }
}
