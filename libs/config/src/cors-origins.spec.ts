import { describe, expect, it } from 'vitest';
import { parseCorsOrigins } from './cors-origins';

describe('parseCorsOrigins', () => {
  it('is an empty allow-list when unset, and keeps exact origins', () => {
    expect(parseCorsOrigins('')).toEqual([]);
    expect(
      parseCorsOrigins('https://app.example.com, http://localhost:5173,https://app.example.com'),
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses wildcards, paths, trailing slashes and other schemes', () => {
    for (const bad of [
      '*',
      'https://*.example.com',
      'https://app.example.com/',
      'https://a.example/x',
      'ftp://a.example',
      'app.example.com',
    ]) {
      expect(parseCorsOrigins(bad), bad).toBeInstanceOf(Error);
    }
  });
});
