import { describe, expect, it } from 'vitest';
import { FenceMarks } from './fence-marks';

const pos = (n: number) => n.toString(16).padStart(16, '0');

describe('FenceMarks', () => {
  it('requires the latest position among the key, its tags and the floor', () => {
    const marks = new FenceMarks(1_000, 100, () => 0);
    expect(marks.required('k', ['t'])).toBeUndefined();
    marks.raise(['k'], [], pos(5));
    marks.raise([], ['t'], pos(9));
    marks.raise([], ['t'], pos(7)); // an older position never lowers a mark
    expect(marks.required('k', [])).toBe(pos(5));
    expect(marks.required('k', ['t'])).toBe(pos(9));
    expect(marks.required('other', ['u'])).toBeUndefined();
    marks.raiseAll(pos(6));
    expect(marks.required('other', ['u'])).toBe(pos(6));
    expect(marks.required('k', ['t'])).toBe(pos(9));
  });

  it('forgets a mark after retainMs', () => {
    let now = 0;
    const marks = new FenceMarks(1_000, 100, () => now);
    marks.raise(['k'], ['t'], pos(5));
    marks.raiseAll(pos(3));
    now = 999;
    expect(marks.required('k', [])).toBe(pos(5));
    now = 1_000;
    expect(marks.required('k', ['t'])).toBeUndefined();
    // A later raise starts afresh rather than reviving the expired position's time.
    marks.raise(['k'], [], pos(4));
    expect(marks.required('k', [])).toBe(pos(4));
  });

  it('a mark pushed out by the bound becomes a floor for every load until it would have expired', () => {
    let now = 0;
    const marks = new FenceMarks(1_000, 2, () => now);
    marks.raise(['a'], [], pos(1));
    now = 100;
    marks.raise(['b', 'c'], [], pos(2)); // evicts a
    expect(marks.size).toBe(2);
    expect(marks.required('a', [])).toBe(pos(1));
    expect(marks.required('unrelated', [])).toBe(pos(1));
    now = 1_000; // a's time is over; b and c still count
    expect(marks.required('unrelated', [])).toBeUndefined();
    expect(marks.required('b', [])).toBe(pos(2));
  });
});
