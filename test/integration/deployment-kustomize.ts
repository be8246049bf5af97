/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readYaml, readYamlDocuments, repoPath } from './deployment-support';

/**
 * A tiny kustomize for the tests, enough for this repository's overlays: `resources` (files and
 * directories) and `patches` that are JSON 6902 operation lists targeted by kind and name. Anything
 * else throws, which keeps the overlays simple. When `kubectl kustomize` exists, the k8s test also
 * checks this rendering against the real one.
 */
export function renderKustomization(dir: string): any[] {
  const kustomization = readYaml<{
    resources?: string[];
    patches?: { path: string; target: { kind: string; name: string } }[];
    [key: string]: unknown;
  }>(relative(repoPath(), join(dir, 'kustomization.yaml')));
  const supported = new Set(['apiVersion', 'kind', 'resources', 'patches']);
  const unsupported = Object.keys(kustomization).filter((k) => !supported.has(k));
  if (unsupported.length) throw new Error(`${dir}: unsupported kustomize fields ${unsupported.join(', ')}`);

  const docs: any[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (existsSync(path) && statSync(path).isDirectory()) docs.push(...renderKustomization(path));
    else docs.push(...readYamlDocuments(relative(repoPath(), path)));
  }
  for (const patch of kustomization.patches ?? []) {
    const targets = docs.filter(
      (d) => d.kind === patch.target.kind && d.metadata?.name === patch.target.name,
    );
    if (targets.length !== 1)
      throw new Error(`${dir}: patch ${patch.path} matches ${targets.length} objects`);
    const ops = readYaml<JsonPatchOp[]>(relative(repoPath(), join(dir, patch.path)));
    if (!Array.isArray(ops)) throw new Error(`${dir}/${patch.path}: only JSON 6902 patches are supported`);
    for (const op of ops) applyJsonPatch(targets[0], op, `${dir}/${patch.path}`);
  }
  return docs;
}

interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

function applyJsonPatch(doc: any, op: JsonPatchOp, where: string): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let parent = doc;
  for (const key of keys) {
    parent = parent?.[key];
    if (parent === undefined) throw new Error(`${where}: ${op.path} does not exist`);
  }
  const exists = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
  if ((op.op === 'replace' || op.op === 'remove') && !exists) {
    throw new Error(`${where}: ${op.op} ${op.path}: no such value`);
  }
  if (op.op === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (op.op === 'add' && Array.isArray(parent)) {
    parent.splice(last === '-' ? parent.length : Number(last), 0, structuredClone(op.value));
  } else if (op.op === 'add' || op.op === 'replace') {
    parent[last] = structuredClone(op.value);
  } else {
    throw new Error(`${where}: unsupported op ${String(op.op)}`);
  }
}

export function overlayDirs(): string[] {
  return ['small', 'medium', 'large', 'xl'].map((p) => repoPath('k8s/overlays', p));
}

export function baseDir(): string {
  return dirname(repoPath('k8s/base/kustomization.yaml'));
}
