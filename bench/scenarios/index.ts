import type { Scenario } from '../bench-contract';
import { run as httpOverhead } from './http-overhead';
import { run as stampede } from './stampede';
import { run as replicas } from './replicas';
import { run as throttle } from './throttle';
import { run as queue } from './queue';
import { run as mixed } from './mixed';

/** Every scenario by name: `npm run bench -- <name>`. */
export const SCENARIOS: Record<string, Scenario> = {
  'http-overhead': httpOverhead,
  stampede,
  replicas,
  throttle,
  queue,
  mixed,
};
