import { describe, expect, it } from 'vitest';
import { createAckGate } from '../../src/core/ack-gate.js';

describe('the ack gate background pushes wait on', () => {
  it('lets work through at once when no request is being answered', async () => {
    const gate = createAckGate();
    const started = performance.now();
    await gate.idle(1000);
    expect(performance.now() - started).toBeLessThan(50);
    expect(gate.busy).toBe(false);
  });

  it('holds work until the last request in flight has been answered', async () => {
    const gate = createAckGate();
    gate.enter();
    gate.enter();
    let released = false;
    const waiting = gate.idle(5000).then(() => (released = true));
    gate.leave();
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    gate.leave();
    await waiting;
    expect(released).toBe(true);
    expect(gate.busy).toBe(false);
  });

  it('never holds work longer than asked, however steady the requests', async () => {
    const gate = createAckGate();
    gate.enter();
    const started = performance.now();
    await gate.idle(40);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(35);
    expect(waited).toBeLessThan(1000);
    expect(gate.busy).toBe(true);
  });

  it('lets work through only after a short grace once the last answer is out', async () => {
    const gate = createAckGate({ graceMs: 30 });
    gate.enter();
    let releasedAt = 0;
    const waiting = gate.idle(5000).then(() => (releasedAt = performance.now()));
    const leftAt = performance.now();
    gate.leave();
    expect(gate.busy).toBe(true);
    await waiting;
    expect(releasedAt - leftAt).toBeGreaterThanOrEqual(25);
    expect(gate.busy).toBe(false);
    // A request arriving within the grace keeps the work waiting until it, too, has been answered.
    gate.enter();
    gate.leave();
    gate.enter();
    let second = false;
    const again = gate.idle(5000).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 60));
    expect(second).toBe(false);
    gate.leave();
    await again;
    expect(second).toBe(true);
  });
});
