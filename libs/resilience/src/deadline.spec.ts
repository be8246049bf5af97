import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline';

const timedOut = () => new Error('timed out');
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('withDeadline', () => {
  it('passes on an answer or an error that comes in time', async () => {
    await expect(withDeadline(after(5, 'answer'), 200, timedOut)).resolves.toBe('answer');
    await expect(withDeadline(Promise.reject(new Error('refused')), 200, timedOut)).rejects.toThrow(
      'refused',
    );
  });

  it('rejects with its own error once the deadline has passed', async () => {
    await expect(withDeadline(after(300, 'late'), 20, timedOut)).rejects.toThrow('timed out');
    await expect(withDeadline(new Promise(() => {}), 20, timedOut)).rejects.toThrow('timed out');
  });
});
