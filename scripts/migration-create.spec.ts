import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigration } from './migration-create';

describe('migration:create', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function layout() {
    dir = mkdtempSync(join(tmpdir(), 'migration-create-'));
    const migrationsDir = join(dir, 'migrations');
    mkdirSync(migrationsDir);
    writeFileSync(join(migrationsDir, '1764800000000-standard-webhook-secrets.ts'), '');
    const schemaFile = join(dir, 'schema.ts');
    writeFileSync(
      schemaFile,
      `import { Tier } from './entities/tier.entity';
import { StandardWebhookSecrets1764800000000 } from './migrations/1764800000000-standard-webhook-secrets';

export const ENTITIES = [Tier];
export const MIGRATIONS = [
  StandardWebhookSecrets1764800000000,
];
`,
    );
    return { migrationsDir, schemaFile };
  }

  it('writes a migration after the newest one and lists it in MIGRATIONS', () => {
    const paths = layout();
    const file = createMigration('add-user-email', paths, 1_700_000_000_000);
    // The clock is behind the newest migration: the new one still sorts after it.
    expect(file).toMatch(/1764800000001-add-user-email\.ts$/);
    expect(readFileSync(file, 'utf8')).toContain(
      'export class AddUserEmail1764800000001 implements MigrationInterface',
    );
    expect(readFileSync(paths.schemaFile, 'utf8')).toBe(`import { Tier } from './entities/tier.entity';
import { StandardWebhookSecrets1764800000000 } from './migrations/1764800000000-standard-webhook-secrets';
import { AddUserEmail1764800000001 } from './migrations/1764800000001-add-user-email';

export const ENTITIES = [Tier];
export const MIGRATIONS = [
  StandardWebhookSecrets1764800000000,
  AddUserEmail1764800000001,
];
`);
    expect(createMigration('drop-legacy', paths, 1_800_000_000_000)).toMatch(
      /1800000000000-drop-legacy\.ts$/,
    );
  });

  it('refuses names that are not kebab-case, writing nothing', () => {
    const paths = layout();
    const schema = readFileSync(paths.schemaFile, 'utf8');
    for (const bad of ['', 'AddUser', 'add_user', 'add user', '../escape', '-x']) {
      expect(() => createMigration(bad, paths), bad).toThrow(/kebab-case/);
    }
    expect(readdirSync(paths.migrationsDir)).toHaveLength(1);
    expect(readFileSync(paths.schemaFile, 'utf8')).toBe(schema);
  });
});
