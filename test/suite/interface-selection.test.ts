import { expandInterfaceSelections, selectInterfaces } from '../../harness/suite/interface-selection';
import type { SuiteTest } from '../../harness/suite/types';

/** A test addresses one interface, or — with a trailing * — every matching one (every terminal on a bus). */
describe('interface selection', () => {
  const lanes = ['ecr-lane1', 'ecr-lane2', 'ecr-lane3', 'host'];

  it('names one interface exactly', () => {
    expect(selectInterfaces('ecr-lane2', lanes)).toEqual(['ecr-lane2']);
    expect(selectInterfaces('ecr-lane', lanes)).toEqual([]);
  });

  it('selects every interface that starts with what precedes the *, in profile order', () => {
    expect(selectInterfaces('ecr-lane*', lanes)).toEqual(['ecr-lane1', 'ecr-lane2', 'ecr-lane3']);
    expect(selectInterfaces('ecr*', lanes)).toEqual(['ecr-lane1', 'ecr-lane2', 'ecr-lane3']);
    expect(selectInterfaces('peripheral*', lanes)).toEqual([]);
  });

  it('runs a selecting test once per interface, as <id>@<interface>, and leaves other tests alone', () => {
    const test = (id: string, iface: string): SuiteTest => ({ id, kind: 'latency', interface: iface, params: {}, thresholds: {} });
    const expanded = expandInterfaceSelections([test('echo', 'host'), test('sale', 'ecr-lane*')], lanes);
    expect(expanded.map((t) => `${t.id} → ${t.interface}`)).toEqual(['echo → host', 'sale@ecr-lane1 → ecr-lane1', 'sale@ecr-lane2 → ecr-lane2', 'sale@ecr-lane3 → ecr-lane3']);
  });
});
