import { describe, expect, it } from 'vitest';
import { createWorkQueue } from '../../src/core/work-queue.js';
import { createLogger } from '../../src/core/log.js';

const log = createLogger({ level: 'error', sink: () => undefined });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('work after the ack', () => {
  it('runs at most `concurrency` jobs at a time, in order', async () => {
    const q = createWorkQueue({ concurrency: 2 }, log);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    for (let i = 0; i < 6; i++) {
      q.push(`j${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await tick();
        running--;
      });
    }
    await q.drain();
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('starts no job while an ack is in progress, until the ack is out', async () => {
    const q = createWorkQueue({ concurrency: 1, maxHoldMs: 1000 }, log);
    let ran = false;
    q.hold();
    q.push('j', async () => {
      ran = true;
    });
    await tick(30);
    expect(ran).toBe(false);
    q.release();
    await q.drain();
    expect(ran).toBe(true);
  });

  it('starts a job released by an ack only after the grace', async () => {
    const q = createWorkQueue({ concurrency: 1, graceMs: 40, maxHoldMs: 2000 }, log);
    let startedAt = 0;
    q.hold();
    q.push('j', async () => {
      startedAt = performance.now();
    });
    await tick(10);
    const releasedAt = performance.now();
    q.release();
    await q.drain();
    expect(startedAt - releasedAt).toBeGreaterThanOrEqual(35);
    // …and not as late as the hold limit set while the ack was in flight.
    expect(startedAt - releasedAt).toBeLessThan(1000);
  });

  it('never starves work behind a steady stream of acks', async () => {
    const q = createWorkQueue({ concurrency: 1, maxHoldMs: 20 }, log);
    let ran = false;
    q.hold();
    q.push('j', async () => {
      ran = true;
    });
    await tick(60);
    expect(ran).toBe(true);
    q.release();
  });

  it('keeps running after a job fails', async () => {
    const q = createWorkQueue({ concurrency: 1 }, log);
    let after = false;
    q.push('bad', async () => {
      throw new Error('boom');
    });
    q.push('good', async () => {
      after = true;
    });
    await q.drain();
    expect(after).toBe(true);
  });

  it('stops by finishing the running job and leaving the queued ones to the inbox', async () => {
    const q = createWorkQueue({ concurrency: 1 }, log);
    const done: string[] = [];
    let firstStarted!: () => void;
    const started = new Promise<void>((r) => (firstStarted = r));
    q.push('first', async () => {
      firstStarted();
      await tick(20);
      done.push('first');
    });
    q.push('second', async () => {
      done.push('second');
    });
    await started;
    expect(await q.stop()).toBe(1);
    expect(done).toEqual(['first']);
  });
});
