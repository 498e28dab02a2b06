import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s entry point with `env` and resolves with how it ended. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', AFTERCARE_PLAYGROUND: 'off', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('start-up failures', () => {
  it.each([
    [{ AFTERCARE_DIGEST_CRON: '0 9 * * 8' }, 'AFTERCARE_DIGEST_CRON'],
    [{ AFTERCARE_SLA: '{"S1":' }, 'AFTERCARE_SLA'],
    [{ AFTERCARE_STORE: 'redis://127.0.0.1:1' }, 'AFTERCARE_STORE'],
    [{ AFTERCARE_STORE: 'sqlite:///etc/hostname/aftercare.sqlite' }, 'AFTERCARE_STORE'],
  ])('%j exits non-zero with one line naming the variable, no stack trace', async (env, variable) => {
    const { code, stderr } = await start(env);
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
