import { describe, expect, it } from 'vitest';
import { L1Cache } from './l1-cache';

describe('L1Cache', () => {
  it('holds at most maxEntries, evicting the least recently used', () => {
    const l1 = new L1Cache({ maxEntries: 3, maxBytes: 1_000_000 });
    for (const key of ['a', 'b', 'c']) l1.set(key, key, 10, 60_000);
    l1.get('a'); // a is now the most recently used
    l1.set('d', 'd', 10, 60_000);
    expect(l1.entries).toBe(3);
    expect(l1.get('b')).toBeUndefined();
    expect(l1.get('a')).toEqual({ value: 'a' });
  });

  it('holds at most maxBytes and refuses an entry over a tenth of them', () => {
    const l1 = new L1Cache({ maxEntries: 1_000, maxBytes: 10_000 });
    for (let i = 0; i < 20; i += 1) l1.set(`k${i}`, i, 900, 60_000);
    expect(l1.bytes).toBeLessThanOrEqual(10_000);
    expect(l1.entries).toBe(11);
    l1.set('big', 'x', 1_001, 60_000);
    expect(l1.get('big')).toBeUndefined();
  });

  it('expires entries after their TTL', async () => {
    const l1 = new L1Cache({ maxEntries: 10, maxBytes: 10_000 });
    l1.set('k', 1, 1, 30);
    expect(l1.get('k')).toEqual({ value: 1 });
    await new Promise((r) => setTimeout(r, 60));
    expect(l1.get('k')).toBeUndefined();
  });

  it('drops entries by tag, and forgets tags of evicted or replaced entries', () => {
    const l1 = new L1Cache({ maxEntries: 2, maxBytes: 10_000 });
    l1.set('a', 1, 1, 60_000, ['t1']);
    l1.set('b', 2, 1, 60_000, ['t1', 't2']);
    expect(l1.deleteTag('t1').sort()).toEqual(['a', 'b']);
    expect(l1.entries).toBe(0);
    l1.set('c', 3, 1, 60_000, ['t3']);
    l1.set('c', 4, 1, 60_000, ['t4']);
    expect(l1.deleteTag('t3')).toEqual([]);
    expect(l1.get('c')).toEqual({ value: 4 });
    expect(l1.deleteTag('t4')).toEqual(['c']);
  });
});
