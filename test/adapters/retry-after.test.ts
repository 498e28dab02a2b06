import { describe, expect, it } from 'vitest';
import { headerValue } from '../../adapters/kit/headers.js';
import { parseRetryAfter, retryAfterFromHeaders } from '../../adapters/kit/retry-after.js';

describe('Retry-After parsing', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('takes fractional seconds and numbers, and never answers a negative delay', () => {
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(7)).toBe(7000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 60_000)).toBe(0);
  });

  it('answers undefined for a value that is neither seconds nor a date', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });

  it('prefers Feishu’s x-ogw-ratelimit-reset over Retry-After', () => {
    expect(retryAfterFromHeaders({ 'x-ogw-ratelimit-reset': '3', 'retry-after': '9' })).toBe(3000);
    expect(retryAfterFromHeaders({ 'Retry-After': '9' })).toBe(9000);
    expect(retryAfterFromHeaders({})).toBeUndefined();
  });
});

describe('header reading', () => {
  it('reads a header case-insensitively from a plain record, Node’s arrays and get() objects', () => {
    expect(headerValue({ 'Retry-After': '4' }, 'retry-after')).toBe('4');
    expect(headerValue({ 'x-lark-signature': ['abc', 'def'] }, 'X-Lark-Signature')).toBe('abc');
    expect(headerValue(new Headers({ 'retry-after': '5' }), 'Retry-After')).toBe('5');
    expect(headerValue({ 'content-length': 12 }, 'content-length')).toBe('12');
  });

  it('answers undefined for missing or empty headers and for anything that is not headers', () => {
    expect(headerValue({ 'retry-after': '' }, 'retry-after')).toBeUndefined();
    expect(headerValue(new Headers(), 'retry-after')).toBeUndefined();
    expect(headerValue(undefined, 'retry-after')).toBeUndefined();
    expect(headerValue('retry-after: 3', 'retry-after')).toBeUndefined();
  });
});
