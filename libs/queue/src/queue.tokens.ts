/** The queue record (settings with presets and overrides applied). */
export const QUEUE_SETTINGS = Symbol('QUEUE_SETTINGS');
