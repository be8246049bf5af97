import type { Scenario } from '../bench-contract';

/** Placeholder until the full-stack cached route exists; fails loudly rather than reporting a number. */
export const run: Scenario = async () => {
  throw new Error('http-overhead is not implemented yet');
};
