import { z } from 'zod';
import { parseHostList } from './host-list';
import { parsePostgresUrl } from './postgres-url';

/**
 * How a variable's text is read. Values arrive as strings; each is coerced and checked here so the
 * rest of the code only ever sees typed, validated config. Optional numbers without a default are
 * mostly ones toAppConfig fills in (from the SCALE_PROFILE preset, or from other settings).
 */
export const int = (min = 0) => z.coerce.number().int().min(min);
export const optionalInt = (min = 0) => int(min).optional();
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${protocols.join(' or ')} URL`,
  );
export const urlList = (protocols: string[]) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url(protocols)));
export const secret = z.string().min(16, 'must be at least 16 characters').optional();

/**
 * Text a parser turns into a structured value; its error becomes the variable's issue. A default is
 * given with `.prefault(text)`, so it goes through the parser too.
 */
export const parsedText = <T>(parse: (raw: string) => T | Error) =>
  z.string().transform((raw, ctx): T => {
    const value = parse(raw);
    if (!(value instanceof Error)) return value;
    ctx.addIssue({ code: 'custom', message: value.message });
    return z.NEVER;
  });

/** The parsers of host-list.ts and postgres-url.ts answer a message instead of throwing. */
const orError = <T>(value: T | string): T | Error => (typeof value === 'string' ? new Error(value) : value);

/** A `host:port` list (Redis sentinels or cluster nodes). */
export const hostList = parsedText((raw) => orError(parseHostList(raw)));

/** One or several hosts (libpq style), read as one plain one-host URL per host. */
export const postgresHostUrls = parsedText((raw) => {
  const target = orError(parsePostgresUrl(raw));
  return target instanceof Error ? target : target.hosts.map((host) => target.urlFor(host));
});

/**
 * JSON checked against `schema`. Its problems are folded into one issue on the variable (not piped as
 * nested issues) so the boot message keeps one line per variable.
 */
export const jsonObject = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .default('{}')
    .transform((raw, ctx): z.output<T> => {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
      const result = schema.safeParse(json);
      if (result.success) return result.data;
      ctx.addIssue({ code: 'custom', message: z.prettifyError(result.error).replace(/\n/g, '; ') });
      return z.NEVER;
    });
