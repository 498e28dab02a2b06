import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import { describe, expect, it } from 'vitest';
import { deserializeValue, serializeValue } from '../../src/state/keyv-json.js';

const samples: unknown[] = [
  { value: { id: 'SUP-1', title: 'Login fails', tags: ['a', 'b'], n: 3, ok: true, none: null }, expires: 1790000000000 },
  { value: 'plain string' },
  { value: ':starts with a colon', expires: undefined },
  { value: { nested: [':x', 'y', { deep: ':z' }], note: 'a: b', key: 'k' } },
  { value: { ':key': 'keys are not escaped' } },
  { value: [1, undefined, 'two', NaN] },
  { value: { when: new Date('2026-11-24T10:00:00Z'), skipped: undefined } },
  ':top-level colon string',
  { value: '中文 and "quotes" \\ and \n newlines' },
];

describe('the Keyv value format', () => {
  it.each(samples.map((s) => [JSON.stringify(s) ?? String(s), s]))('writes exactly what @keyv/serialize writes for %s', (_name, sample) => {
    expect(serializeValue(sample)).toBe(defaultSerialize(sample as never));
  });

  it.each(samples.map((s) => [JSON.stringify(s) ?? String(s), s]))('reads back what @keyv/serialize reads for %s', (_name, sample) => {
    const text = defaultSerialize(sample as never);
    expect(deserializeValue(text)).toEqual(defaultDeserialize(text));
  });

  it('keeps Buffers in the format @keyv/serialize uses', () => {
    const sample = { value: Buffer.from('png bytes') };
    expect(serializeValue(sample)).toBe(defaultSerialize(sample as never));
    expect(deserializeValue<{ value: Buffer }>(serializeValue(sample)).value.toString()).toBe('png bytes');
  });
});
