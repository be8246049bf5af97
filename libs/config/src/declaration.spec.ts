import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_VARIABLES, envSchema, loadConfig, type AppConfig } from './app-config';
import { complete, derived, env, envShape, readDeclared, type Derived } from './declaration';
import type { RedisTopology } from './redis-topology';

/** Paths in T whose type is any, unknown or a `derived` marker left uncomputed. */
type LoosePaths<T, Path extends string = ''> = 0 extends 1 & T
  ? Path
  : unknown extends T
    ? Path
    : [T] extends [Derived]
      ? Path
      : T extends readonly (infer E)[]
        ? LoosePaths<E, `${Path}[]`>
        : T extends object
          ? { [K in keyof T & string]-?: LoosePaths<T[K], `${Path}.${K}`> }[keyof T & string]
          : never;

describe('the declaration machinery', () => {
  const declaration = {
    a: env('A', z.coerce.number().default(1)),
    b: derived,
    group: { c: env('C', z.string().optional()) },
  };

  it('flattens a declaration into variable → schema, in declaration order', () => {
    expect(Object.keys(envShape(declaration))).toEqual(['A', 'C']);
  });

  it('refuses a variable declared twice', () => {
    expect(() => envShape({ a: env('A', z.string()), group: { b: env('A', z.string()) } })).toThrow(
      'A is declared twice',
    );
  });

  it('places parsed values where the declaration says, leaving derived ones for the derived step', () => {
    const values = readDeclared(declaration, z.object(envShape(declaration)).parse({ C: 'x' }));
    expect(values).toEqual({ a: 1, b: derived, group: { c: 'x' } });
    const completed = complete(values, { b: 'computed' });
    expect(completed).toEqual({ a: 1, b: 'computed', group: { c: 'x' } });
    expect(Object.keys(completed)).toEqual(['a', 'b', 'group']);
    expectTypeOf(completed).toEqualTypeOf<{ a: number; b: string; group: { c: string | undefined } }>();
  });
});

describe('AppConfig, derived from the declaration', () => {
  it('types every setting precisely: no any, no unknown, no derived marker left', () => {
    expectTypeOf<LoosePaths<AppConfig>>().toEqualTypeOf<never>();
    expectTypeOf<AppConfig['database']['poolSize']>().toEqualTypeOf<number>();
    expectTypeOf<AppConfig['database']['url']>().toEqualTypeOf<string>();
    expectTypeOf<AppConfig['http']['metricsPort']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<AppConfig['http']['apiProcesses']>().toEqualTypeOf<number>();
    expectTypeOf<AppConfig['redis']['topology']>().toEqualTypeOf<RedisTopology>();
    expectTypeOf<AppConfig['queue']['dispatchWaitMs']>().toEqualTypeOf<number>();
    expectTypeOf<AppConfig['webhooks']['allowHttp']>().toEqualTypeOf<boolean>();
    expectTypeOf<AppConfig['tracing']>().toEqualTypeOf<{
      enabled: boolean;
      serviceName: string | undefined;
    }>();
  });

  it('computes every derived setting (no marker reaches the apps)', () => {
    const holdsMarker = (value: unknown): boolean =>
      value === derived ||
      (typeof value === 'object' && value !== null && Object.values(value).some(holdsMarker));
    expect(holdsMarker(loadConfig({}))).toBe(false);
    expect(holdsMarker(loadConfig({ NODE_ENV: 'production', REDIS_CLUSTER_NODES: 'n1:7000' }))).toBe(false);
  });

  it('knows each variable once, and reports bad ones in declaration order', () => {
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
    expect(CONFIG_VARIABLES).toEqual(Object.keys(envSchema.shape));
    expect(CONFIG_VARIABLES.slice(0, 4)).toEqual(['NODE_ENV', 'LOG_LEVEL', 'SCALE_PROFILE', 'HOST']);
    expect(CONFIG_VARIABLES.at(-1)).toBe('OTEL_SERVICE_NAME');
    expect(() => loadConfig({ OTEL_SDK_DISABLED: 'x', DB_POOL_SIZE: '0', NODE_ENV: 'x' })).toThrow(
      /NODE_ENV: [^\n]*\n {2}- DB_POOL_SIZE: [^\n]*\n {2}- OTEL_SDK_DISABLED: /,
    );
  });
});
