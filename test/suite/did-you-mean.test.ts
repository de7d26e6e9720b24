import { editDistance, listNames, suggest } from '../../harness/suite/did-you-mean';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['latency', 'latency', 0],
    ['latncy', 'latency', 1], // one letter left out
    ['iteration', 'iterations', 1],
    ['tpc', 'tcp', 1], // two neighbours swapped count as one edit
    ['kitten', 'sitting', 3],
  ])('%j → %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const latencyParams = ['transaction', 'warmup', 'iterations', 'duration'];

  it('suggests the one name a typo is close to', () => {
    expect(suggest('iteration', latencyParams)).toBe('iterations');
    expect(suggest('transacton', latencyParams)).toBe('transaction');
    expect(suggest('latncy', ['latency', 'stress'])).toBe('latency');
    expect(suggest('tpc', ['tcp', 'virtual'])).toBe('tcp');
    expect(suggest('hots', ['type', 'host', 'port'])).toBe('host');
  });

  it('ignores case', () => {
    expect(suggest('Iterations', latencyParams)).toBe('iterations');
  });

  it('completes a metric name shortened at a separator', () => {
    const metrics = ['p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'mean_ms'];
    expect(suggest('p99', metrics)).toBe('p99_ms');
    expect(suggest('mean', metrics)).toBe('mean_ms');
  });

  it('suggests nothing when no name is close or two are equally close', () => {
    expect(suggest('colour', latencyParams)).toBeUndefined();
    expect(suggest('p9_ms', ['p90_ms', 'p99_ms'])).toBeUndefined();
    expect(suggest('x', ['y', 'z'])).toBeUndefined();
    expect(suggest('', latencyParams)).toBeUndefined();
    expect(suggest('warmup', latencyParams)).toBeUndefined(); // nothing to correct
  });
});

describe('listNames', () => {
  it('quotes and joins names for a sentence', () => {
    expect(listNames(['ecr'])).toBe("'ecr'");
    expect(listNames(['ecr', 'host'])).toBe("'ecr' or 'host'");
    expect(listNames(['ecr', 'host', 'peripheral'], 'and')).toBe("'ecr', 'host' and 'peripheral'");
  });
});
