import type { AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import { BULLMQ_PRIORITY, PRIORITY_CLASSES, type JobName, type PriorityClass } from '@platform/queue';
import type { Caller } from '../auth/caller';

/**
 * What a caller may ask of POST /v1/jobs beyond a valid body. Both refusals are 403: the request is
 * well-formed, this caller is just not allowed it (a 400 would tell them to fix the body).
 */
export function assertJobAllowed(
  caller: Caller,
  name: JobName,
  priority: PriorityClass | undefined,
  config: AppConfig,
): void {
  if (name.startsWith('diagnostics.') && !config.jobs.diagnostics) {
    throw new ApiError(
      403,
      'job_type_disabled',
      `${name} jobs are disabled here (diagnostics.* are off in production unless JOBS_DIAGNOSTICS is set)`,
    );
  }
  const tierDefault = caller.tier.defaultPriority;
  // Lower BullMQ priority runs first: a class more urgent than the tier's default would jump the
  // queue ahead of callers who paid for that class.
  if (priority && BULLMQ_PRIORITY[priority] < BULLMQ_PRIORITY[tierDefault]) {
    const allowed = PRIORITY_CLASSES.filter((c) => BULLMQ_PRIORITY[c] >= BULLMQ_PRIORITY[tierDefault]);
    throw new ApiError(
      403,
      'priority_not_allowed',
      `Tier ${caller.tier.name} may ask for priority ${allowed.join(' or ')}, not ${priority}`,
    );
  }
}
