import { describe, expect, it } from 'vitest';
import { fitText, shrinkLongest, sizeOf, type TextSlot } from '../../adapters/kit/fit-text.js';

describe('fitting text to a limit', () => {
  it('leaves text that fits unchanged', () => {
    expect(fitText('short', 5)).toBe('short');
    expect(fitText('工单', 6, { unit: 'bytes' })).toBe('工单');
  });

  it('cuts to the limit in characters, the ellipsis included', () => {
    const cut = fitText('z'.repeat(5000), 2000);
    expect(cut).toHaveLength(2000);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('cuts to the limit in UTF-8 bytes without splitting a character', () => {
    const cut = fitText('工单描述'.repeat(100), 100, { unit: 'bytes' });
    expect(sizeOf(cut, 'bytes')).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^(工单描述)+工?单?描?…$/u);
  });

  it('never leaves half a surrogate pair, and drops white space before the ellipsis', () => {
    expect(fitText('ab😀cd', 4)).toBe('ab…');
    expect(fitText('word and more words', 10)).toBe('word and…');
  });

  it('lets a platform move the cut out of its own tokens', () => {
    const text = 'see <https://x.example/a|the runbook> now';
    const safeCut = (t: string, at: number) => (t.lastIndexOf('<', at - 1) > t.lastIndexOf('>', at - 1) ? t.lastIndexOf('<', at - 1) : at);
    expect(fitText(text, 20, { safeCut })).toBe('see…');
  });

  it('uses the ellipsis it is given', () => {
    expect(fitText('line one\nline two', 11, { ellipsis: '\n…' })).toBe('line one\n…');
  });
});

describe('shrinking a rendered message to a byte budget', () => {
  const doc = { a: 'x'.repeat(3000), b: 'y'.repeat(1000), c: 'short' };
  const slot = (key: keyof typeof doc): TextSlot => ({ get: () => doc[key], set: (v) => (doc[key] = v) });

  it('cuts the longest texts first until the whole fits, leaving short ones whole', () => {
    const excess = () => Buffer.byteLength(JSON.stringify(doc)) - 1500;
    expect(shrinkLongest(() => [slot('a'), slot('b'), slot('c')], excess, { minBytes: 40 })).toBeLessThanOrEqual(0);
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThanOrEqual(1500);
    expect(doc.a.endsWith('…')).toBe(true);
    expect(doc.c).toBe('short');
  });

  it('reports what is still over when every text is already at its minimum', () => {
    const texts = { a: 'x'.repeat(50) };
    const over = shrinkLongest(() => [{ get: () => texts.a, set: (v) => (texts.a = v) }], () => Buffer.byteLength(texts.a), { minBytes: 40 });
    expect(over).toBeGreaterThan(0);
    expect(sizeOf(texts.a, 'bytes')).toBeLessThanOrEqual(40);
  });
});
