import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { resolveThrottleCost, type ThrottleCostOf } from './throttle-metadata';

describe('resolveThrottleCost', () => {
  const request = {} as FastifyRequest;
  it.each<[ThrottleCostOf | undefined, number, number]>([
    [undefined, 150, 1],
    [5, 150, 5],
    [() => 60, 150, 60],
    [() => 500, 150, 150],
    [() => 0, 150, 1],
    [() => 2.2, 150, 3],
    [() => Number.NaN, 150, 1],
    [() => Number.POSITIVE_INFINITY, 150, 1],
    [10, 0, 1],
  ])('cost %s with burst %i takes %i tokens', (cost, burst, tokens) => {
    expect(resolveThrottleCost(cost, request, burst)).toBe(tokens);
  });
});
