/** The priority classes a job may ask for, most urgent first; tiers name one as their default. */
export const PRIORITY_CLASSES = ['critical', 'high', 'normal', 'low'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/**
 * Priority classes as BullMQ priorities (lower runs first). Never 0: in BullMQ a job without a
 * priority runs before every prioritized job, so every job we add carries one of these.
 * Within one class jobs run in the order they were added.
 */
export const BULLMQ_PRIORITY: Readonly<Record<PriorityClass, number>> = {
  critical: 1,
  high: 10,
  normal: 100,
  low: 1_000,
};

export function bullPriority(priority: PriorityClass): number {
  return BULLMQ_PRIORITY[priority];
}

/** The class a stored BullMQ priority belongs to (for GET /v1/jobs/:id). */
export function priorityClassOf(priority: number | undefined): PriorityClass | undefined {
  return PRIORITY_CLASSES.find((c) => BULLMQ_PRIORITY[c] === priority);
}
