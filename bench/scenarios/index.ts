import type { Scenario } from '../bench-contract';
import { run as httpOverhead } from './http-overhead';
import { run as stampede } from './stampede';
import { run as replicas } from './replicas';
import { run as throttle } from './throttle';
import { run as queue } from './queue';
import { run as mixed } from './mixed';
import { run as writes } from './writes';

/** Every scenario by name: `npm run bench -- <name>`. */
export const SCENARIOS: Record<string, Scenario> = {
  'http-overhead': httpOverhead,
  stampede,
  replicas,
  throttle,
  queue,
  mixed,
  writes,
};

/**
 * Scenarios that run the platform as child processes, so `--node` picks their runtime; the others run in
 * the bench's own process (run them under another Node by starting the bench with it).
 */
export const CHILD_PROCESS_SCENARIOS = new Set(['http-overhead', 'mixed', 'writes']);
