import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '@platform/config';

describe('.env.example', () => {
  const text = readFileSync(resolve(__dirname, '../../.env.example'), 'utf8');
  const documented = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);

  it('documents every variable the config schema reads, and nothing else', () => {
    expect([...new Set(documented)].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('is itself a valid configuration', () => {
    const values = Object.fromEntries(
      [...text.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]),
    );
    expect(() => loadConfig(values)).not.toThrow();
  });
});
