import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from './value-codec';

const large = {
  userId: 42,
  recommended_categories: Array.from({ length: 60 }, (_, i) => ({
    category: `category-${i % 17}`,
    score: i / 60,
  })),
};

describe('value codec', () => {
  it('keeps values at or under the threshold raw', async () => {
    const { payload, jsonBytes } = await encodeValue({ a: 1 }, 1024);
    expect(payload.subarray(1).toString()).toBe('{"a":1}');
    expect(jsonBytes).toBe(7);
    expect((await decodeValue(payload)).value).toEqual({ a: 1 });
  });

  it('compresses values over the threshold into fewer bytes than their JSON, and reads them back', async () => {
    const json = JSON.stringify(large);
    expect(json.length).toBeGreaterThan(1024);
    const { payload, jsonBytes } = await encodeValue(large, 1024);
    expect(jsonBytes).toBe(Buffer.byteLength(json));
    expect(payload.length).toBeLessThan(json.length / 2);
    expect(await decodeValue(payload)).toEqual({ value: large, jsonBytes });
  });

  it('compresses large values off the event loop and still round-trips them', async () => {
    const huge = Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `item ${i}` }));
    const { payload } = await encodeValue(huge, 1024);
    expect(payload.length).toBeLessThan(JSON.stringify(huge).length);
    expect((await decodeValue(payload)).value).toEqual(huge);
  });

  it('stores incompressible data raw rather than growing it', async () => {
    const random = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(Math.random() * 256))).toString(
      'base64',
    );
    const { payload } = await encodeValue(random, 1024);
    expect(payload.length).toBeLessThanOrEqual(JSON.stringify(random).length + 1);
    expect((await decodeValue(payload)).value).toBe(random);
  });

  it('refuses a payload it did not write', async () => {
    await expect(decodeValue(Buffer.from('x{}'))).rejects.toThrow(/encoding/);
  });
});
