import { readJsonDocument } from '../harness/suite/json-document';
const [f, p] = process.argv.slice(2);
const d = readJsonDocument(f); console.log(d.locate(p), d.locateKey(p));
