/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, SCALE_PROFILES, loadConfig } from '@platform/config';
import {
  adapterSeriesQueries,
  hasBinary,
  kedaQueries,
  metricNamesIn,
  readYaml,
  readYamlDocuments,
  run,
} from './deployment-support';
import { baseDir, overlayDirs, renderKustomization } from './deployment-kustomize';

/** Every kind the manifests use, validated with the schema models of kubernetes-models 4.x. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

function validateAll(docs: any[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    if (!model) {
      problems.push(`no schema for ${doc.apiVersion}/${doc.kind}`);
      continue;
    }
    try {
      new model(doc).validate();
    } catch (error) {
      problems.push(`${doc.kind}/${doc.metadata?.name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

const base = renderKustomization(baseDir());
const find = (docs: any[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`${kind}/${name} not found`);
  return doc;
};
const configMap = find(base, 'ConfigMap', 'platform-config');
const secretExample = readYamlDocuments('k8s/base/secret.example.yaml')[0];
const api = find(base, 'Deployment', 'platform-api');
const worker = find(base, 'Deployment', 'platform-worker');
const container = (deployment: any) => deployment.spec.template.spec.containers[0];
const ms = (name: string) => Number(configMap.data[name]);

describe('Kubernetes manifests (k8s/base)', () => {
  it('validate against the Kubernetes, KEDA and Prometheus Operator schemas', () => {
    expect(validateAll([...base, secretExample])).toEqual([]);
    expect(base.map((d) => d.kind).sort()).toEqual(
      [
        'ConfigMap',
        'ConfigMap',
        'Deployment',
        'Deployment',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'Namespace',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'PodDisruptionBudget',
        'PrometheusRule',
        'ScaledObject',
        'Service',
        'Service',
        'Service',
        'ServiceMonitor',
      ].sort(),
    );
    for (const doc of base.filter((d) => d.kind !== 'Namespace')) {
      expect(doc.metadata.namespace, `${doc.kind}/${doc.metadata.name}`).toBe('platform');
    }
  });

  it('the schema check rejects a broken manifest (the validator is live)', () => {
    const broken = structuredClone(api);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect(validateAll([broken])).toHaveLength(1);
  });

  it('set only variables the config schema knows, and a configuration the apps accept', () => {
    const env = { ...configMap.data, ...secretExample.stringData };
    expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
    const config = loadConfig(env);
    expect(config.isProduction).toBe(true);
    // Everything needed to reach the dependencies comes from the secret.
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN']) {
      expect(secretExample.stringData[name], name).toBeTruthy();
    }
    for (const deployment of [api, worker, find(base, 'Job', 'platform-migrate')]) {
      const c = deployment.spec.template.spec.containers[0];
      expect(c.envFrom, deployment.metadata.name).toEqual([
        { configMapRef: { name: 'platform-config' } },
        { secretRef: { name: secretExample.metadata.name } },
      ]);
      for (const e of c.env ?? []) expect(CONFIG_VARIABLES).toContain(e.name);
    }
  });

  it('probe the API on PORT and the worker on WORKER_PORT, liveness /health and readiness /readyz', () => {
    for (const [deployment, port] of [
      [api, ms('PORT')],
      [worker, ms('WORKER_PORT')],
    ] as const) {
      const c = container(deployment);
      const named = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(named[c[probe].httpGet.port], `${deployment.metadata.name} ${probe}`).toBe(port);
      }
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits.memory).toBeDefined();
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
    for (const deployment of [api, worker]) {
      const c = container(deployment);
      // A dependency outage or one slow answer must not flap pods: several failures in a row first.
      expect(c.readinessProbe.failureThreshold, deployment.metadata.name).toBeGreaterThanOrEqual(3);
      expect(c.livenessProbe.failureThreshold, deployment.metadata.name).toBeGreaterThanOrEqual(3);
    }
    expect(container(api).command).toEqual(['node', 'dist/apps/api/src/main.js']);
    expect(container(worker).command).toEqual(['node', 'dist/apps/worker/src/main.js']);
    expect(find(base, 'Job', 'platform-migrate').spec.template.spec.containers[0].command).toEqual([
      'node',
      'dist/scripts/migrate.js',
    ]);
  });

  it('expose the API metrics on METRICS_PORT, to Prometheus only, and scrape both apps there', () => {
    const config = loadConfig({ ...configMap.data, ...secretExample.stringData });
    const named = (deployment: any) =>
      Object.fromEntries(container(deployment).ports.map((p: any) => [p.name, p.containerPort]));
    expect(config.http.metricsPort).toBeDefined();
    expect(named(api)).toEqual({ http: config.http.port, metrics: config.http.metricsPort });
    // The API's Service routes the scrape port; the ServiceMonitor scrapes the port named "metrics"
    // of both Services (the worker's is its probe port, as WORKER_PORT serves /metrics too).
    const monitor = find(base, 'ServiceMonitor', 'platform');
    expect(monitor.spec.endpoints.map((e: any) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
    const targetOf = (name: string) =>
      find(base, 'Service', name).spec.ports.find((p: any) => p.name === 'metrics')?.targetPort;
    expect(named(api)[targetOf('platform-api')]).toBe(config.http.metricsPort);
    expect(named(worker)[targetOf('platform-worker')]).toBe(config.http.workerPort);
    // Anyone in the cluster (the ingress controller) reaches the API port; only Prometheus the metrics.
    const rules = find(base, 'NetworkPolicy', 'platform-api').spec.ingress;
    const rulesFor = (port: string) => rules.filter((r: any) => r.ports.some((p: any) => p.port === port));
    expect(rulesFor('http').map((r: any) => r.from)).toEqual([undefined]);
    expect(rulesFor('metrics').map((r: any) => r.from)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
    ]);
  });

  it('scale the API down gracefully: preStop, drain delay, then shutdown inside the grace period', () => {
    const spec = api.spec.template.spec;
    const preStopMs = container(api).lifecycle.preStop.sleep.seconds * 1000;
    const readiness = container(api).readinessProbe;
    const drainMs = ms('SHUTDOWN_DRAIN_DELAY_MS');
    // Readiness must be seen failing before the listener closes...
    expect(drainMs).toBeGreaterThan(readiness.periodSeconds * readiness.failureThreshold * 1000);
    // ...the hard deadline includes the drain delay, and Kubernetes waits longer than all of it.
    expect(ms('SHUTDOWN_TIMEOUT_MS')).toBeGreaterThan(drainMs);
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopMs + ms('SHUTDOWN_TIMEOUT_MS'));
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('give the worker time to finish active jobs before it is killed', () => {
    const graceMs = worker.spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(ms('SHUTDOWN_TIMEOUT_MS')).toBeGreaterThan(ms('WORKER_SHUTDOWN_DEADLINE_MS'));
    expect(graceMs).toBeGreaterThan(ms('SHUTDOWN_TIMEOUT_MS'));
  });

  it('autoscale the API 3-20 on CPU, memory and requests per second per pod', () => {
    const hpa = find(base, 'HorizontalPodAutoscaler', 'platform-api');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'platform-api',
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 20]);
    const resources = hpa.spec.metrics
      .filter((m: any) => m.type === 'Resource')
      .map((m: any) => m.resource.name);
    expect(resources.sort()).toEqual(['cpu', 'memory']);
    const pods = hpa.spec.metrics.find((m: any) => m.type === 'Pods');
    // The pods metric is what prometheus-adapter serves from the request-duration histogram's count.
    const adapter = readYaml<any>('k8s/prometheus-adapter/values.yaml').rules.custom[0];
    expect(pods.pods.metric.name).toBe(adapter.name.as);
    expect(adapterSeriesQueries().flatMap(metricNamesIn)).toEqual([
      'http_server_request_duration_seconds_count',
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
    // The Deployment leaves replicas to the HPA, so `kubectl apply` never resets a scaled-out API.
    expect(api.spec.replicas).toBeUndefined();
    expect(worker.spec.replicas).toBeUndefined();
  });

  it('scale the worker on queue depth with KEDA, probing it on WORKER_PORT', () => {
    const scaled = find(base, 'ScaledObject', 'platform-worker');
    expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'platform-worker' });
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    expect(kedaQueries().flatMap(metricNamesIn)).toEqual(['queue_jobs']);
    expect(Number(scaled.spec.triggers[0].metadata.threshold)).toBeGreaterThan(0);
  });

  it('wire selectors, named ports, disruption budgets and the ServiceMonitor together', () => {
    for (const deployment of [api, worker]) {
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      const name = deployment.metadata.name;
      const service = find(base, 'Service', name);
      expect(labels).toMatchObject(service.spec.selector);
      const portNames = container(deployment).ports.map((p: any) => p.name);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
      expect(labels).toMatchObject(find(base, 'PodDisruptionBudget', name).spec.selector.matchLabels);
      const policy = find(base, 'NetworkPolicy', name);
      expect(labels).toMatchObject(policy.spec.podSelector.matchLabels);
      for (const rule of policy.spec.ingress) {
        for (const port of rule.ports) expect(portNames).toContain(port.port);
      }
      const monitor = find(base, 'ServiceMonitor', 'platform');
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      for (const endpoint of monitor.spec.endpoints) {
        expect(service.spec.ports.map((p: any) => p.name)).toContain(endpoint.port);
        expect(endpoint.path).toBe('/metrics');
      }
    }
    expect(find(base, 'PodDisruptionBudget', 'platform-api').spec.maxUnavailable).toBe(1);
  });

  it('send the apps through PgBouncer in transaction mode and the migrate Job straight to the primary', () => {
    const config = loadConfig({ ...configMap.data, ...secretExample.stringData });
    const service = find(base, 'Service', 'platform-pgbouncer');
    const pooled = new URL(config.database.url);
    expect(pooled.hostname).toBe(service.metadata.name);
    expect(Number(pooled.port)).toBe(service.spec.ports[0].port);
    expect(config.database.transactionPooler).toBe(true);
    expect(new URL(config.database.migrationUrl!).hostname).not.toBe(service.metadata.name);
    const ini = find(base, 'ConfigMap', 'platform-pgbouncer').data['pgbouncer.ini'] as string;
    expect(ini).toMatch(/^pool_mode = transaction$/m);
  });

  it('run the same image everywhere (the pooler aside)', () => {
    const images = base
      .filter((d) => d.spec?.template?.spec?.containers && d.metadata.name !== 'platform-pgbouncer')
      .flatMap((d) => d.spec.template.spec.containers.map((c: any) => c.image));
    expect(new Set(images).size).toBe(1);
  });

  it('alert with the same rules as deploy/prometheus/alerts.yml', () => {
    const rule = find(base, 'PrometheusRule', 'platform');
    expect(rule.spec.groups).toEqual(readYaml('deploy/prometheus/alerts.yml').groups);
    const names = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    for (const alert of [
      'ApiHighLatencyP99',
      'ApiHighErrorRate',
      'RedisDown',
      'ReplicaLagHigh',
      'QueueBacklog',
      'CircuitBreakerOpen',
    ]) {
      expect(names).toContain(alert);
    }
  });
});

describe('Kustomize overlays (k8s/overlays)', () => {
  const rendered = overlayDirs().map((dir) => ({
    profile: dir.split('/').pop()!,
    docs: renderKustomization(dir),
  }));

  it('exist for every SCALE_PROFILE and render to valid manifests', () => {
    expect(rendered.map((r) => r.profile).sort()).toEqual([...SCALE_PROFILES].sort());
    for (const { profile, docs } of rendered) {
      expect(validateAll(docs), profile).toEqual([]);
      expect(docs.length, profile).toBe(base.length);
    }
  });

  it('set the profile, replica bounds and resources, growing with the profile', () => {
    let previous = { apiMax: 0, workerMax: 0 };
    for (const { profile, docs } of rendered) {
      const config = find(docs, 'ConfigMap', 'platform-config').data;
      expect(config.SCALE_PROFILE).toBe(profile);
      expect(() => loadConfig({ ...config, ...secretExample.stringData })).not.toThrow();
      const hpa = find(docs, 'HorizontalPodAutoscaler', 'platform-api').spec;
      const keda = find(docs, 'ScaledObject', 'platform-worker').spec;
      expect(hpa.minReplicas, profile).toBeGreaterThanOrEqual(3);
      expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
      expect(keda.maxReplicaCount).toBeGreaterThan(keda.minReplicaCount);
      expect(Number(config.THROTTLE_EXPECTED_INSTANCES)).toBe(hpa.minReplicas);
      expect(hpa.maxReplicas).toBeGreaterThanOrEqual(previous.apiMax);
      expect(keda.maxReplicaCount).toBeGreaterThanOrEqual(previous.workerMax);
      previous = { apiMax: hpa.maxReplicas, workerMax: keda.maxReplicaCount };
      for (const name of ['platform-api', 'platform-worker']) {
        const resources = container(find(docs, 'Deployment', name)).resources;
        expect(resources.requests.cpu, `${profile} ${name}`).toBeDefined();
        expect(resources.limits.memory, `${profile} ${name}`).toBeDefined();
      }
    }
  });

  it('use Sentinel in the large profile and Redis Cluster in xl', () => {
    const topology = (profile: string) => {
      const { docs } = rendered.find((r) => r.profile === profile)!;
      const data = find(docs, 'ConfigMap', 'platform-config').data;
      return loadConfig({ ...data, ...secretExample.stringData }).redis.topology;
    };
    expect(topology('small').kind).toBe('standalone');
    expect(topology('large')).toMatchObject({ kind: 'sentinel', masterName: 'platform' });
    expect(topology('xl')).toMatchObject({ kind: 'cluster' });
  });

  it.runIf(hasBinary('kubectl'))('render exactly as `kubectl kustomize` does', () => {
    for (const dir of [baseDir(), ...overlayDirs()]) {
      const result = run('kubectl', ['kustomize', dir]);
      expect(result.stderr).toBe('');
      const real = parseAllDocuments(result.stdout).map((d) => d.toJS());
      const key = (d: any) => `${d.kind}/${d.metadata.name}`;
      const sort = (docs: any[]) => [...docs].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sort(renderKustomization(dir)), dir).toEqual(sort(real));
    }
  });
});
