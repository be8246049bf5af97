/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readYaml, repoPath, run } from './deployment-support';

// promtool comes with Debian's `prometheus` package, which .ci/run installs.
describe('alert rules and Prometheus config (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes promtool check rules', () => {
    const result = run('promtool', ['check', 'rules', repoPath('deploy/prometheus/alerts.yml')]);
    expect(result.stderr + result.stdout).toContain('SUCCESS: 8 rules found');
    expect(result.status).toBe(0);
  });

  it('passes its unit tests (promtool test rules): breaker open, Redis down, backlog, errors, latency, lag', () => {
    const result = run('promtool', ['test', 'rules', 'alerts.test.yml'], {
      cwd: repoPath('deploy/prometheus'),
    });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('the unit tests fail when a rule is wrong (they can catch a regression)', () => {
    // Summing queue depths across instances double counts: the backlog test must notice.
    const rules = readYaml<any>('deploy/prometheus/alerts.yml');
    const backlog = rules.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === 'QueueBacklog');
    backlog.expr = 'sum by (queue) (queue_jobs{state=~"waiting|prioritized"}) > 1000';
    writeFileSync(join(dir, 'alerts.yml'), stringify(rules));
    copyFileSync(repoPath('deploy/prometheus/alerts.test.yml'), join(dir, 'alerts.test.yml'));
    const result = run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('QueueBacklog');
  });

  it('passes promtool check config with the rule file it loads', () => {
    const config = readYaml<any>('deploy/prometheus/prometheus.yml');
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    // The compose mount puts alerts.yml there; point at the repository's copy instead.
    config.rule_files = [repoPath('deploy/prometheus/alerts.yml')];
    const path = join(dir, 'prometheus.yml');
    writeFileSync(path, stringify(config));
    const result = run('promtool', ['check', 'config', path]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
