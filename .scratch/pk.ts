import { loadPackager } from '../harness/protocols/iso8583/packager';
import Ajv2020 from 'ajv/dist/2020';
import { packagerSchema } from '../harness/protocols/iso8583/packager-schema';
try { loadPackager('iso87ascii', '.'); console.log('ok'); } catch (e) { console.log(String(e)); }
for (const opts of [{ strict: true }, { strict: true, verbose: true }, { strict: true, allowUnionTypes: true }]) {
  try { new Ajv2020({ allErrors: true, ...opts }).compile(packagerSchema); console.log('ok', opts); } catch (e) { console.log(opts, String(e).slice(0, 100)); }
}
