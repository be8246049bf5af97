import { describe, expect, it } from 'vitest';
import { reconnectOnReadOnly } from './redis-connections';
import { compareVersions } from './redis-topology';

describe('redis topology helpers', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('7.0.15', '7.0.0')).toBeGreaterThan(0);
    expect(compareVersions('6.2.14', '7.0.0')).toBeLessThan(0);
    expect(compareVersions('10.0.0', '9.9.9')).toBeGreaterThan(0);
    expect(compareVersions('7.0', '7.0.0')).toBe(0);
  });

  it('reconnects (and resends) on READONLY, and only on READONLY', () => {
    expect(reconnectOnReadOnly(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnReadOnly(new Error('ERR unknown command'))).toBe(false);
    expect(reconnectOnReadOnly(new Error('CROSSSLOT Keys in request do not hash to the same slot'))).toBe(
      false,
    );
  });
});
