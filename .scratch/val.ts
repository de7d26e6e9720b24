import { validateFiles } from '../harness/cli/validate';
const r = validateFiles(process.argv.slice(2));
process.stdout.write(r.output); console.log('exit', r.exitCode);
