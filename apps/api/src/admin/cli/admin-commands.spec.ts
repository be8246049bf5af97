import { describe, expect, it } from 'vitest';
import { parseAdminCommand, UsageError } from './admin-commands';

describe('admin CLI command lines', () => {
  it('reads each command with the admin routes’ rules', () => {
    expect(parseAdminCommand(['keys', 'create', '--tier', 'pro'])).toEqual({
      kind: 'keys create',
      name: 'admin-cli',
      tier: 'pro',
    });
    expect(parseAdminCommand(['keys', 'create', '--tier=free', '--name', ' ops '])).toMatchObject({
      name: 'ops',
    });
    const id = '0b9f7f2e-5a55-4c38-9d7b-6a5f1c1f2a10';
    expect(parseAdminCommand(['keys', 'revoke', id])).toEqual({ kind: 'keys revoke', id });
    expect(
      parseAdminCommand(['tiers', 'set', 'pro', '--burst', '2000', '--default-priority', 'low']),
    ).toEqual({
      kind: 'tiers set',
      name: 'pro',
      limits: { burst: 2000, defaultPriority: 'low' },
    });
  });

  it('refuses bad usage naming the option, before anything runs', () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /no command given/],
      [['keys'], /unknown command: keys/],
      [['keys', 'create'], /--tier/],
      [['keys', 'create', '--tier', 'pro', 'extra'], /unexpected argument: extra/],
      [['keys', 'create', '--tier'], /argument missing/],
      [['keys', 'revoke', 'x'], /<id>: Invalid UUID/],
      [['tiers', 'set', 'pro', '--burst', '1.5'], /--burst/],
      [['tiers', 'set', 'pro', '--max-batch', '10001'], /--max-batch/],
      [['tiers', 'set', 'Pro!'], /--name or <name>/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseAdminCommand(argv), argv.join(' ')).toThrow(UsageError);
      expect(() => parseAdminCommand(argv), argv.join(' ')).toThrow(message);
    }
  });
});
