import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { formatBytes } from '../../src/core/i18n.js';
import { TOKEN, feed, postHook, startTestApp, waitFor } from './support.js';

const exec = promisify(execFile);
let app: RunningApp;
beforeAll(async () => {
  app = await startTestApp({ AFTERCARE_BACKUP_RPO: 'crm=24,*=48' });
});
afterAll(async () => {
  await app.stop();
});

describe('restic backups', () => {
  it('takes the output of a real restic backup --json and shows the backup with its size and age in /backup-status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-restic-'));
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'customers.csv'), 'id,name\n'.repeat(20_000));
    writeFileSync(join(data, 'orders.json'), JSON.stringify({ orders: Array.from({ length: 3000 }, (_, i) => ({ i })) }));
    const env = { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'test-password', RESTIC_CACHE_DIR: join(dir, 'cache') };
    await exec('restic', ['init'], { env });
    const { stdout } = await exec('restic', ['backup', '--json', data], { env, maxBuffer: 64 * 1024 * 1024 });
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { total_bytes_processed: number; snapshot_id: string };

    const res = await postHook(app, '/hooks/backups/restic?system=crm', stdout, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ system: 'crm', state: 'ok', bytes: summary.total_bytes_processed, snapshotId: summary.snapshot_id });
    const again = await postHook(app, '/hooks/backups/restic?system=crm', stdout, { 'content-type': 'application/x-ndjson' });
    expect(again.json).toEqual({ duplicate: true });

    const ev = await fetch(`${app.url}/playground/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'erin', role: 'engineer', lang: 'en', channel: 'ops', kind: 'command', text: '/backup-status crm' }),
    });
    expect(ev.status).toBe(200);
    const shown = (await feed(app, 'ops')).filter((m) => m.author === 'bot').pop()!;
    expect(shown.html).toContain('crm');
    expect(shown.html).toContain(formatBytes(summary.total_bytes_processed));
    expect(shown.html).toMatch(/RPO 24 h/);
    expect(shown.html).toContain('OK');
    const [crm] = await app.services.backups.status(['crm']);
    expect(crm!.last.full?.location).toBe(`restic snapshot ${summary.snapshot_id}`);
    expect(crm!.ageMs).toBeLessThan(60_000);
  });
});

describe('the documented restic pipe (examples/restic/aftercare-restic.sh) with a real restic', () => {
  /** Runs the shipped script; resolves with restic's exit code, which the script passes on. */
  async function runPipe(system: string, env: Record<string, string>, args: string[]): Promise<number> {
    try {
      await exec('sh', ['examples/restic/aftercare-restic.sh', system, ...args], { env: { ...process.env, AFTERCARE_URL: app.url, AFTERCARE_HOOK_TOKEN: TOKEN, AFTERCARE_ENV_FILE: '/nonexistent', ...env } });
      return 0;
    } catch (e) {
      return (e as { code: number }).code;
    }
  }
  async function backupStatus(system: string) {
    const before = new Set((await feed(app, 'ops')).map((m) => m.id));
    await fetch(`${app.url}/playground/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'erin', role: 'engineer', lang: 'en', channel: 'ops', kind: 'command', text: `/backup-status ${system}` }),
    });
    return waitFor(async () => (await feed(app, 'ops')).find((m) => m.author === 'bot' && !before.has(m.id)));
  }

  it('reports a run with a wrong password as a failed backup with restic\'s reason, and a run with an unreadable file as incomplete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-restic-pipe-'));
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'ledger.csv'), 'id,amount\n'.repeat(1000));
    const env = { RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'right-password', RESTIC_CACHE_DIR: join(dir, 'cache') };
    await exec('restic', ['init'], { env: { ...process.env, ...env } });

    expect(await runPipe('财务系统', { ...env, RESTIC_PASSWORD: 'wrong-password' }, [data])).not.toBe(0);
    const failed = await backupStatus('财务系统');
    expect(failed.html).toContain('财务系统');
    expect(failed.html).toContain('last backup failed');
    expect(failed.html).toContain('wrong password');

    // /proc/1/mem cannot be read, not even by root: restic writes the snapshot without it and exits 3.
    expect(await runPipe('ledger', env, [data, '/proc/1/mem'])).toBe(3);
    const incomplete = await backupStatus('ledger');
    expect(incomplete.html).toContain('last backup incomplete');
    expect(incomplete.html).toContain('/proc/1/mem');
    const [ledger] = await app.services.backups.status(['ledger']);
    expect(ledger!.last.full).toMatchObject({ status: 'incomplete' });
    expect(ledger!.last.full!.location).toMatch(/^restic snapshot [0-9a-f]{8}$/);
  });
});
