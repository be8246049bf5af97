import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `npm run migration:create -- <kebab-name>`: a new, empty migration in libs/database/src/migrations,
 * registered in MIGRATIONS (libs/database/src/schema.ts), which TypeORM's own `migration:create` does
 * not do: the list is explicit so the build carries every migration.
 */
export interface MigrationPaths {
  migrationsDir: string;
  schemaFile: string;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function createMigration(name: string, paths: MigrationPaths, now = Date.now()): string {
  if (!NAME.test(name)) throw new Error(`migration name must be kebab-case (add-user-email), got "${name}"`);
  const timestamps = readdirSync(paths.migrationsDir).map((f) => Number(f.split('-')[0]) || 0);
  // Strictly after every existing one, so the order is the file order even with a skewed clock.
  const timestamp = Math.max(now, ...timestamps.map((t) => t + 1));
  const className = `${name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase())}${timestamp}`;
  const file = `${timestamp}-${name}`;
  writeFileSync(
    join(paths.migrationsDir, `${file}.ts`),
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What this migration changes, and why. */
export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(q: QueryRunner): Promise<void> {}

  async down(q: QueryRunner): Promise<void> {}
}
`,
  );
  const schema = readFileSync(paths.schemaFile, 'utf8');
  const importLine = `import { ${className} } from './migrations/${file}';\n`;
  const lastImport = schema.lastIndexOf('\nimport ');
  const afterImports = schema.indexOf('\n', lastImport + 1) + 1;
  const listEnd = schema.indexOf('];', schema.indexOf('export const MIGRATIONS'));
  if (lastImport < 0 || listEnd < 0)
    throw new Error(`cannot find the MIGRATIONS list in ${paths.schemaFile}`);
  writeFileSync(
    paths.schemaFile,
    schema.slice(0, afterImports) +
      importLine +
      schema.slice(afterImports, listEnd) +
      `  ${className},\n` +
      schema.slice(listEnd),
  );
  return join(paths.migrationsDir, `${file}.ts`);
}

if (require.main === module) {
  const root = resolve(__dirname, '../..');
  try {
    const file = createMigration(process.argv[2] ?? '', {
      migrationsDir: join(root, 'libs/database/src/migrations'),
      schemaFile: join(root, 'libs/database/src/schema.ts'),
    });
    console.log(`created ${file} and listed it in MIGRATIONS; write up() and down(), then npm run migrate`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
