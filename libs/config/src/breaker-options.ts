import { z } from 'zod';

/** Per-breaker overrides, given as JSON in CIRCUIT_BREAKERS, e.g. {"redis":{"resetTimeoutMs":5000}}. */
export const breakerOptionsSchema = z.strictObject({
  timeoutMs: z.number().int().min(1).optional(),
  errorThresholdPercentage: z.number().min(1).max(100).optional(),
  volumeThreshold: z.number().int().min(0).optional(),
  resetTimeoutMs: z.number().int().min(1).optional(),
  rollingCountTimeoutMs: z.number().int().min(100).optional(),
});
export type BreakerOptions = z.infer<typeof breakerOptionsSchema>;

export const breakerOverridesSchema = z.record(z.string().min(1), breakerOptionsSchema);
export type BreakerOverrides = z.infer<typeof breakerOverridesSchema>;
