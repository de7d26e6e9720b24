import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  escapeXmlAttribute,
  escapeXmlText,
  JunitWriter,
  junitTimestamp,
  renderJunitReport,
} from '../../harness/reports/junit-writer';
import { hostileReport, makeReport, NASTY } from './fixture';
import { findAll, parseXml, type XmlElement } from './xml-check';

function testcase(root: XmlElement, id: string): XmlElement {
  const found = findAll(root, 'testcase').find((t) => t.attributes.name.startsWith(id));
  if (found === undefined) throw new Error(`no testcase ${id}`);
  return found;
}

describe('JUnit writer (junit.xml)', () => {
  const root = parseXml(renderJunitReport(makeReport()));
  const suite = findAll(root, 'testsuite')[0];

  it('is well-formed XML with one testsuite named after the suite', () => {
    expect(root.name).toBe('testsuites');
    expect(findAll(root, 'testsuite')).toHaveLength(1);
    expect(suite.attributes.name).toBe('smoke');
  });

  it('counts tests, failures, errors and skipped on testsuite and testsuites', () => {
    for (const element of [root, suite]) {
      expect(element.attributes).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1', time: '6.100' });
    }
  });

  it('stamps the testsuite with the start time (UTC, no zone, as the Ant schema wants) and the hostname', () => {
    expect(suite.attributes.timestamp).toBe('2025-03-01T10:00:00');
    expect(suite.attributes.hostname).toBe('lab-bench-3');
  });

  it('records poshil version, node, seed and device as properties', () => {
    const props = Object.fromEntries(findAll(suite, 'property').map((p) => [p.attributes.name, p.attributes.value]));
    expect(props).toMatchObject({
      'poshil.version': '0.1.0',
      node: 'v20.19.0',
      seed: '42',
      device: 'emulated-terminal (emulated; terminalId=T0000001, model=EMU-1)',
    });
  });

  it('writes one testcase per test: classname is the kind, name is the id and the requirement, time in seconds', () => {
    const cases = findAll(suite, 'testcase');
    expect(cases.map((c) => [c.attributes.classname, c.attributes.name, c.attributes.time])).toEqual([
      ['latency', 'smoke-sale [REQ-LAT-001]', '1.234'],
      ['latency', 'slow-refund [REQ-LAT-002]', '3.000'],
      ['stress', 'burst [REQ-STR-001]', '0.500'],
      ['encryption', 'pin-block', '0.000'],
    ]);
  });

  it('failure names the broken threshold with measured value and limit, and counts the others', () => {
    const [failure] = findAll(testcase(root, 'slow-refund'), 'failure');
    expect(failure.attributes.type).toBe('threshold');
    expect(failure.attributes.message).toBe('p99_ms = 62.40 ms exceeds max 50 ms (and 1 more broken threshold)');
  });

  it('failure body lists every broken threshold, and only the broken ones', () => {
    const [failure] = findAll(testcase(root, 'slow-refund'), 'failure');
    expect(failure.text.split('\n')).toEqual(['p99_ms = 62.40 ms exceeds max 50 ms', 'error_rate = 2.00% exceeds max 1%']);
  });

  it('errored test carries an <error> with the error code as type', () => {
    const [error] = findAll(testcase(root, 'burst'), 'error');
    expect(error.attributes).toEqual({ message: 'link dropped after 17 transactions', type: 'LINK_CLOSED' });
    expect(error.text).toBe('LINK_CLOSED: link dropped after 17 transactions');
  });

  it('skipped test carries <skipped> with the reason', () => {
    const [skipped] = findAll(testcase(root, 'pin-block'), 'skipped');
    expect(skipped.attributes.message).toBe('no PIN pad attached');
  });

  it('passed test has neither failure nor error, and its measurements table in system-out', () => {
    const passed = testcase(root, 'smoke-sale');
    expect(passed.children.map((c) => c.name)).toEqual(['system-out']);
    const out = passed.children[0].text;
    expect(out).toContain('p99_ms      3.10 ms    ≤ 50 ms  pass');
    expect(out).toContain('tps         412.3 tps');
  });

  it('writes junit.xml into the report directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'poshil-junit-'));
    try {
      await new JunitWriter().onRunEnd(makeReport(), dir);
      const written = await readFile(join(dir, 'junit.xml'), 'utf8');
      expect(written).toBe(renderJunitReport(makeReport()));
      expect(() => parseXml(written)).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('JUnit escaping', () => {
  it('escapes < & > " and \' in attributes and < & > in text', () => {
    expect(escapeXmlAttribute(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
    expect(escapeXmlText(`<&>"'`)).toBe(`&lt;&amp;&gt;"'`);
  });

  it('keeps tab, newline and carriage return in attributes as character references', () => {
    expect(escapeXmlAttribute('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
  });

  it('replaces characters XML 1.0 forbids (NUL, BEL, ESC, lone surrogates) with a visible \\uXXXX', () => {
    expect(escapeXmlText('\u0000\u0007\u001b[0m\ud800\uffff')).toBe('\\u0000\\u0007\\u001b[0m\\ud800\\uffff');
    expect(escapeXmlText('\ud83d\ude00')).toBe('\ud83d\ude00'); // a surrogate pair is one legal character
  });

  it('keeps a document full of hostile text well-formed, and a parser reads the text back', () => {
    const xml = renderJunitReport(hostileReport());
    const root = parseXml(xml);
    const readable = NASTY.replace('\u0007', '\\u0007')
      .replaceAll('\u001b', '\\u001b')
      .replace('\u0000', '\\u0000')
      .replace('\ud800', '\\ud800');
    expect(findAll(root, 'testsuite')[0].attributes.name).toBe(`smoke <&> "quoted" 'single'`);
    expect(findAll(root, 'testcase')[0].attributes.name).toBe(`weird|id<&>"' [REQ|<&>]`);
    expect(findAll(root, 'error')[0].attributes.message).toBe(readable);
    expect(findAll(root, 'skipped')[0].attributes.message).toBe(readable);
    expect(findAll(root, 'property').find((p) => p.attributes.name === 'interrupted')?.attributes.value).toBe(readable);
    expect(findAll(root, 'system-out')[0].text).toContain(readable);
  });

  it('writes JUnit timestamps without zone or fraction, and passes through what is not a date', () => {
    expect(junitTimestamp('2025-03-01T11:00:00.123+01:00')).toBe('2025-03-01T10:00:00');
    expect(junitTimestamp('not a date')).toBe('not a date');
  });
});
