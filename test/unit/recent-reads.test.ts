// The connectors' memory of tickets just read (connectors/recent-reads.ts): bounded, oldest put out
// first, too old a reading never returned, take() hands a reading out once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecentReads, type RecentReadsOptions } from '../../connectors/recent-reads.ts';

/** At a time (ms from the start), put a key's value, or get / take it: what comes back ('-' for a miss). */
type Step = [at: number, op: 'put', key: string, value: string | undefined] | [at: number, op: 'get' | 'take', key: string];

afterEach(() => vi.useRealTimers());

describe('RecentReads', () => {
  it.each<[string, RecentReadsOptions, Step[], (string | undefined)[]]>([
    ['finds what was put, as often as asked', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [0, 'get', 'a'], [5, 'get', 'a'], [9, 'get', 'b']], ['A', 'A', '-']],
    ['takes a reading once', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [0, 'take', 'a'], [0, 'take', 'a'], [0, 'get', 'a']], ['A', '-', '-']],
    ['keeps a reading of undefined as a hit', { maxSize: 2 }, [[0, 'put', 'a', undefined], [0, 'get', 'a']], [undefined]],
    ['puts the newest over an older reading', { maxSize: 2 }, [[0, 'put', 'a', 'A1'], [1, 'put', 'a', 'A2'], [1, 'get', 'a']], ['A2']],
    ['drops the oldest put beyond the size', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [0, 'put', 'b', 'B'], [0, 'put', 'c', 'C'], [0, 'get', 'a'], [0, 'get', 'b'], [0, 'get', 'c']], ['-', 'B', 'C']],
    ['counts a key put again as the newest', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [0, 'put', 'b', 'B'], [0, 'put', 'a', 'A2'], [0, 'put', 'c', 'C'], [0, 'get', 'a'], [0, 'get', 'b']], ['A2', '-']],
    ['does not count a get as a use', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [0, 'put', 'b', 'B'], [0, 'get', 'a'], [0, 'put', 'c', 'C'], [0, 'get', 'a']], ['A', '-']],
    ['returns a reading up to its maximum age', { maxSize: 2, maxAgeMs: 100 }, [[0, 'put', 'a', 'A'], [100, 'get', 'a'], [101, 'get', 'a']], ['A', '-']],
    ['takes no reading past its maximum age', { maxSize: 2, maxAgeMs: 100 }, [[0, 'put', 'a', 'A'], [150, 'take', 'a'], [150, 'put', 'a', 'A2'], [200, 'take', 'a']], ['-', 'A2']],
    ['ages each reading from its own put', { maxSize: 2, maxAgeMs: 100 }, [[0, 'put', 'a', 'A'], [80, 'put', 'a', 'A2'], [150, 'get', 'a']], ['A2']],
    ['has no age limit without maxAgeMs', { maxSize: 2 }, [[0, 'put', 'a', 'A'], [86_400_000, 'get', 'a']], ['A']],
  ])('%s', (_what, opts, steps, expected) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const reads = new RecentReads<string, string | undefined>(opts);
    const seen: (string | undefined)[] = [];
    for (const step of steps) {
      vi.setSystemTime(start + step[0]);
      if (step[1] === 'put') reads.put(step[2], step[3]);
      else {
        const hit = reads[step[1]](step[2]);
        seen.push(hit ? hit.value : '-');
      }
    }
    expect(seen).toEqual(expected);
  });
});
