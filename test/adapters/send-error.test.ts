import { describe, expect, it } from 'vitest';
import {
  classifyStatus,
  httpAnswerOf,
  httpSendError,
  isTimeout,
  platformSendError,
  sendWithRetry,
  unansweredSendError,
} from '../../adapters/kit/send-error.js';
import { SendError } from '../../src/core/ports.js';

describe('send failure classification', () => {
  it('retries 429, 408 and 5xx and treats every other 4xx as final', () => {
    expect(classifyStatus(429)).toEqual({ retryable: true, code: 'rate_limited' });
    expect(classifyStatus(408)).toEqual({ retryable: true, code: 'timeout' });
    expect([500, 501, 502, 503, 504].map((s) => classifyStatus(s).retryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 412, 413].map((s) => classifyStatus(s))).toEqual(Array(7).fill({ retryable: false, code: 'refused' }));
  });

  it('retries a status the platform documents as transient', () => {
    expect(classifyStatus(412, [412])).toEqual({ retryable: true, code: 'server_error' });
  });

  it('carries the status, the delay the platform asked for and the SDK’s error as the cause', () => {
    const cause = new Error('HTTP 429');
    const e = httpSendError('slack: rate limited', 429, { headers: { 'Retry-After': '7' }, cause });
    expect(e).toBeInstanceOf(SendError);
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 7000, status: 429, code: 'rate_limited', message: 'slack: rate limited' });
    expect(e.cause).toBe(cause);
    expect(httpSendError('x', 429, { headers: { 'retry-after': '7' }, retryAfterMs: 1500 }).retryAfterMs).toBe(1500);
  });

  it('finds the HTTP answer wherever an SDK keeps it', () => {
    const headers = { 'retry-after': '1' };
    expect(httpAnswerOf({ statusCode: 503, headers })).toMatchObject({ status: 503, headers });
    expect(httpAnswerOf({ response: { status: 429, headers, data: { code: 99991400 } } })).toEqual({ status: 429, headers, body: { code: 99991400 } });
    expect(httpAnswerOf({ status: 404 })).toMatchObject({ status: 404 });
    expect(httpAnswerOf(new Error('socket hang up'))).toBeUndefined();
    expect(httpAnswerOf(undefined)).toBeUndefined();
  });

  it('retries a call that got no answer, telling a timeout from a network failure', () => {
    const timedOut = unansweredSendError('feishu: timeout', Object.assign(new Error('timeout of 100ms exceeded'), { code: 'ECONNABORTED' }), 1000);
    expect(timedOut).toMatchObject({ retryable: true, code: 'timeout', retryAfterMs: 1000, status: undefined });
    const refused = unansweredSendError('teams: refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused).toMatchObject({ retryable: true, code: 'network' });
    expect(isTimeout({ original: { name: 'TimeoutError' } })).toBe(true);
    expect(isTimeout(new DOMException('aborted', 'AbortError'))).toBe(true);
  });

  it('builds a platform’s own answer as the adapter judged it, with status 200 by default', () => {
    expect(platformSendError('slack: channel_not_found', { retryable: false, code: 'refused' })).toMatchObject({ retryable: false, status: 200, code: 'refused' });
  });

  it('keeps SendError’s positional constructor for existing callers', () => {
    const e = new SendError('boom', true, 250, 502);
    expect(e).toMatchObject({ message: 'boom', retryable: true, retryAfterMs: 250, status: 502, name: 'SendError' });
    expect(e.code).toBeUndefined();
    expect(e.cause).toBeUndefined();
  });
});

describe('in-place retries', () => {
  const classify = (e: unknown) => (e instanceof SendError ? e : new SendError(String(e), false));

  it('retries a retryable failure, waiting what the platform asked for, and returns the result', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await sendWithRetry(
      async () => {
        calls++;
        if (calls === 1) throw new SendError('429', true, 3, 429);
        if (calls === 2) throw new SendError('503', true, undefined, 503);
        return 'sent';
      },
      { attempts: 4, classify, baseDelayMs: 1, maxDelayMs: 5, onRetry: (_e, _attempt, waitMs) => waits.push(waitMs) },
    );
    expect(result).toBe('sent');
    expect(waits).toEqual([3, 2]);
  });

  it('never waits longer than the cap, whatever the platform asks', async () => {
    const waits: number[] = [];
    const send = () => Promise.reject(new SendError('429', true, 60_000, 429));
    await expect(sendWithRetry(send, { attempts: 2, classify, maxDelayMs: 1, onRetry: (_e, _a, w) => waits.push(w) })).rejects.toMatchObject({ status: 429 });
    expect(waits).toEqual([1]);
  });

  it('gives up at once on a final failure, and after the last attempt on a retryable one', async () => {
    let calls = 0;
    const final = () => {
      calls++;
      return Promise.reject(new SendError('400', false, undefined, 400));
    };
    await expect(sendWithRetry(final, { attempts: 4, classify, maxDelayMs: 0 })).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
    calls = 0;
    const busy = () => {
      calls++;
      return Promise.reject(new Error('plain'));
    };
    await expect(sendWithRetry(busy, { attempts: 3, classify: () => new SendError('busy', true), maxDelayMs: 0 })).rejects.toMatchObject({ message: 'busy' });
    expect(calls).toBe(3);
  });
});
