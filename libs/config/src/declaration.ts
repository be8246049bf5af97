import { z } from 'zod';

/**
 * The machinery behind config-declaration.ts: a setting is declared once, at its place in the nested
 * config, as the variable it is read from. The flat env schema (validation, `VAR: message` boot errors,
 * CONFIG_VARIABLES) and the nested values with their type are both derived from that one tree.
 */

/** One environment variable: its name and how its text is read (coerced, checked, defaulted). */
export class EnvVariable<S extends z.ZodType = z.ZodType> {
  constructor(
    readonly name: string,
    readonly schema: S,
  ) {}
}

export const env = <S extends z.ZodType>(name: string, schema: S): EnvVariable<S> =>
  new EnvVariable(name, schema);

/**
 * A setting no variable of its own decides: it holds its place (and its doc comment) in the
 * declaration, and toAppConfig computes it. Reading the environment leaves this marker in its place.
 */
class DerivedSetting {
  // A non-public member makes the type nominal: no other object passes for the marker.
  protected readonly marker = 'derived';
}
export const derived = new DerivedSetting();
export type Derived = DerivedSetting;

export interface Declaration {
  readonly [key: string]: EnvVariable | Derived | Declaration;
}

/**
 * The values a declaration reads into, shaped like the declaration. A homomorphic mapped type, so the
 * doc comments written on the declaration's keys are the ones editors show on AppConfig.
 */
export type Declared<D> = D extends infer O // (`infer O`: editors then show the plain object, not this alias)
  ? {
      [K in keyof O]: O[K] extends EnvVariable<infer S>
        ? z.output<S>
        : O[K] extends Derived
          ? Derived
          : Declared<O[K]>;
    }
  : never;

function* variables(declaration: Declaration): Generator<EnvVariable> {
  for (const value of Object.values(declaration)) {
    if (value instanceof EnvVariable) yield value;
    else if (!(value instanceof DerivedSetting)) yield* variables(value);
  }
}

/** The flat shape (variable name → schema), in declaration order, which is the order of boot errors. */
export function envShape(declaration: Declaration): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const variable of variables(declaration)) {
    // Two settings reading one variable would make the declaration lie about where it lands.
    if (variable.name in shape) throw new Error(`${variable.name} is declared twice`);
    shape[variable.name] = variable.schema;
  }
  return shape;
}

/** Places each parsed variable where the declaration puts it. */
export function readDeclared<D extends Declaration>(
  declaration: D,
  parsed: Record<string, unknown>,
): Declared<D> {
  const read = (d: Declaration): unknown =>
    Object.fromEntries(
      Object.entries(d).map(([key, value]) => [
        key,
        value instanceof EnvVariable
          ? parsed[value.name]
          : value instanceof DerivedSetting
            ? value
            : read(value),
      ]),
    );
  // The mapped type mirrors this walk; the parsed record is only typed per variable by the schema.
  return read(declaration) as Declared<D>;
}

/**
 * Whether a value is, or holds, a `derived` marker that is still to be computed. Declaration groups
 * nest a few levels only; the bound keeps the compiler from exploring parsed values (lists, records).
 */
type HoldsDerived<T, Depth extends unknown[] = []> = T extends Derived
  ? true
  : Depth['length'] extends 4
    ? false
    : T extends readonly unknown[]
      ? false
      : T extends Record<string, unknown>
        ? true extends HoldsDerived<T[keyof T], [...Depth, unknown]>
          ? true
          : false
        : false;
type PendingKeys<T> = { [K in keyof T]-?: HoldsDerived<T[K]> extends true ? K : never }[keyof T];

/** `values` with `patch`'s keys replaced; mapped over `values` so keys keep their order and doc comments. */
export type Completed<T, P> = T extends infer O ? { [K in keyof O]: K extends keyof P ? P[K] : O[K] } : never;

/**
 * The derived step's one tool: replaces some of a section's values. Every `derived` marker must be
 * replaced (a forgotten one does not compile), and only declared keys can be.
 */
export function complete<T extends object, P extends object>(
  values: T,
  patch: P & { [K in Exclude<keyof P, keyof T>]: never } & {
    [K in Exclude<PendingKeys<T>, keyof P>]: unknown;
  },
): Completed<T, P>;
export function complete(values: object, patch: object): object {
  return { ...values, ...patch };
}
