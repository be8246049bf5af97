import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every controller lists its routes by full path in a comment (`// Routes (full paths, for grep): …`),
 * so `grep -rn "POST /v1/events"` finds the code. This keeps the lists in step with the decorators.
 */
function controllers(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.controller.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

function declaredRoutes(source: string): string[] {
  const args = /@Controller\((.*?)\)\n/.exec(source)?.[1] ?? '';
  const path = /path: '([^']*)'/.exec(args)?.[1];
  const version = /version: '([^']*)'/.exec(args)?.[1];
  const base = `${version ? `/v${version}` : ''}${path ? `/${path}` : ''}`;
  return [...source.matchAll(/ {2}@(Get|Post|Put|Delete|Patch)\((?:'([^']*)')?\)/g)].map(
    ([, method, sub]) => `${method.toUpperCase()} ${base}${sub ? `/${sub}` : ''}` || '/',
  );
}

describe('controllers list their routes by full path', () => {
  const files = [
    ...controllers(join(__dirname)),
    join(__dirname, '../../../libs/health/src/health.controller.ts'),
  ];
  it.each(files)('%s', (file) => {
    const source = readFileSync(file, 'utf8');
    const comment = (/\/\/ Routes \(full paths, for grep\):([\s\S]*?)\n(?!\/\/)/.exec(source)?.[1] ?? '')
      .replace(/\n\/\/ */g, ' ')
      .trim();
    expect(comment.split(', ').sort()).toEqual(declaredRoutes(source).sort());
  });
});
