import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort } from '../hooks/support.js';
import { tempSqliteUrl } from '../helpers/env.js';

/** Polls `check` every 100 ms until it is true, or fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

const answers = (port: number) => () =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) }).then(
    (r) => r.ok,
    () => false,
  );

describe('npm start', () => {
  it('runs the compiled server, and a SIGTERM to npm stops it: nothing listens within 10 s', async () => {
    // `npm install` builds it (prepare); build it here when a checkout has not yet.
    if (!existsSync('dist/server/main.js')) execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('signals'), AFTERCARE_PLAYGROUND: 'off' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
    await until(answers(port), 30_000, 'the server answering');
    npm.kill('SIGTERM');
    const stoppedIn = await until(async () => !(await answers(port)()), 10_000, 'the server stopping');
    expect(stoppedIn).toBeLessThan(10_000);
    expect(await exited).toBe(0);
  });
});
