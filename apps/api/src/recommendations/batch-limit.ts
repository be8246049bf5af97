import { ApiError } from '@platform/http';
import type { Caller } from '../auth/caller';

/** A batch read may name at most the caller's tier's `maxBatch` users (400 above, nothing read). */
export function assertBatchWithinTier(caller: Caller, count: number): void {
  if (count <= caller.tier.maxBatch) return;
  throw new ApiError(
    400,
    'validation_failed',
    `At most ${caller.tier.maxBatch} user ids per request on tier ${caller.tier.name}`,
    { fields: [{ field: 'query.user_ids', message: `at most ${caller.tier.maxBatch} ids` }] },
  );
}
