import { readFileSync } from 'node:fs';

/**
 * `node dist/bench/cpuprofile-top.js <file.cpuprofile> [top]`: self time of a `--cpu-prof` profile,
 * grouped by function and by package (node_modules/<pkg>, our apps/libs, node: internals, or V8's own
 * entries such as (garbage collector)), largest first, as a share of the busy time ((idle) left out) and in ms.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internals';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  const ours = /\/dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  return ours ? ours[1] : url;
}

export function selfTime(profile: Profile): {
  total: number;
  byFunction: Map<string, number>;
  byPackage: Map<string, number>;
} {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    total += delta;
    const pkg = packageOf(frame.url, frame.functionName);
    const fn = `${frame.functionName || '(anonymous)'} ${pkg}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + delta);
  });
  return { total, byFunction, byPackage };
}

function print(title: string, entries: Map<string, number>, busy: number, top: number): void {
  console.log(`\n${title}`);
  const ranked = [...entries].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  for (const [name, us] of ranked.slice(0, top)) {
    console.log(
      `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`,
    );
  }
}

if (require.main === module) {
  const [file, top = '15'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/cpuprofile-top.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  const { total, byFunction, byPackage } = selfTime(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busy = total - (byPackage.get('(idle)') ?? 0);
  console.log(`${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
  print('self time by package', byPackage, busy, Number(top));
  print('self time by function', byFunction, busy, Number(top));
}
