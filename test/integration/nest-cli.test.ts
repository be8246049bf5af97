import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

/** nest-cli.json is how Nest tooling (and readers) find the workspace: it must name every app and lib. */
describe('nest-cli.json', () => {
  const projects = (
    JSON.parse(readFileSync(resolve(root, 'nest-cli.json'), 'utf8')) as {
      projects: Record<string, { type: string; root: string; sourceRoot: string; entryFile: string }>;
    }
  ).projects;
  const dirs = (parent: string) =>
    readdirSync(resolve(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();

  it('lists every lib and app, each with its entry file', () => {
    const listed = (type: string) =>
      Object.entries(projects)
        .filter(([, p]) => p.type === type)
        .map(([name]) => name)
        .sort();
    expect(listed('library')).toEqual(dirs('libs'));
    expect(listed('application')).toEqual(dirs('apps'));
    for (const [name, project] of Object.entries(projects)) {
      const folder = project.type === 'library' ? 'libs' : 'apps';
      expect(project, name).toMatchObject({ root: `${folder}/${name}`, sourceRoot: `${folder}/${name}/src` });
      expect(readdirSync(resolve(root, project.sourceRoot)), name).toContain(`${project.entryFile}.ts`);
    }
  });
});
