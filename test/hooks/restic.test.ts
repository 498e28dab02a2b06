import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { formatBytes } from '../../src/core/i18n.js';
import { feed, postHook, startTestApp } from './support.js';

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
