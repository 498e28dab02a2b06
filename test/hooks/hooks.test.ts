import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { RunningApp } from '../../server/app.js';
import { formatBytes } from '../../src/core/i18n.js';
import { TOKEN, amPayload, feed, postHook, startTestApp, waitFor } from './support.js';

const exec = promisify(execFile);
let app: RunningApp;

/**
 * Runs a Zabbix webhook script in a separate Node process, with Zabbix's synchronous HttpRequest
 * played by curl (a synchronous call in this process would block the server under test).
 */
const ZABBIX_RUNNER = `
const { execFileSync } = require('node:child_process');
class HttpRequest {
  constructor() { this.headers = []; this.status = 0; }
  addHeader(h) { this.headers.push(h); }
  post(url, data) {
    const out = execFileSync('curl', ['-sS', '-o', '-', '-w', '\\n%{http_code}', '-X', 'POST', ...this.headers.flatMap((h) => ['-H', h]), '--data-binary', data, url], { encoding: 'utf8' });
    const lines = out.trimEnd().split('\\n');
    this.status = Number(lines.pop());
    return lines.join('\\n');
  }
  getStatus() { return this.status; }
}
const fn = new Function('value', 'HttpRequest', 'Zabbix', process.env.ZBX_SCRIPT);
process.stdout.write(String(fn(process.env.ZBX_VALUE, HttpRequest, { log() {} })));
`;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

describe('hook authentication', () => {
  it('answers 401 without the bearer token and with a wrong one', async () => {
    const none = await fetch(`${app.url}/hooks/alerts`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    const wrong = await postHook(app, '/hooks/alerts', {}, { authorization: 'Bearer nope-nope-nope' });
    expect(wrong.status).toBe(401);
  });

  it('answers 503 saying how to enable hooks when no token is configured', async () => {
    const off = await startTestApp({ AFTERCARE_HOOK_TOKEN: '' });
    try {
      const res = await fetch(`${off.url}/hooks/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain('AFTERCARE_HOOK_TOKEN');
    } finally {
      await off.stop();
    }
  });
});

describe('alert hooks', () => {
  it('rejects a generic alert missing a required field with 400 naming it, and stores nothing', async () => {
    const res = await postHook(app, '/hooks/alerts', { system: 'crm', title: 'Disk full', severity: 'critical', status: 'firing' });
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toContain('dedupKey');
    const bad = await postHook(app, '/hooks/alertmanager', { ...amPayload('g', [{ fingerprint: 'f' }]), version: '3' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain('version');
    expect(await app.services.alerts.open()).toEqual([]);
  });

  it('answers a body nested thousands deep with 400, not a 500, and stores nothing', async () => {
    const deep = `{"system":"crm","title":"Deep","severity":"critical","status":"firing","dedupKey":"deep","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await fetch(`${app.url}/hooks/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: deep });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('nested');
    const fine = await postHook(app, '/hooks/alerts', { system: 'crm', title: 'Shallow', severity: 'info', status: 'firing', dedupKey: 'shallow', extra: { a: [{ b: 'say "}{" in a string' }] } });
    expect(fine.status).toBe(200);
    expect((await app.services.alerts.open()).map((a) => a.title)).toEqual(['Shallow']);
  });

  it('rejects a link that is not http(s) with 400 naming the field, and stores nothing', async () => {
    for (const url of ['javascript:alert(document.cookie)', 'data:text/html,<script>1</script>', 'not a url']) {
      const res = await postHook(app, '/hooks/alerts', { system: 'crm', title: 'Disk full', severity: 'critical', status: 'firing', dedupKey: `link-${url.length}`, url });
      expect(res.status).toBe(400);
      expect(String(res.json.error)).toContain('url');
      expect(String(res.json.error)).toContain('http(s)');
    }
    const zabbix = await postHook(app, '/hooks/zabbix', { eventId: '77', eventValue: '1', severity: 'High', host: 'db1', trigger: 'Disk full', url: 'javascript:void(0)' });
    expect(zabbix.status).toBe(400);
    expect((await app.services.alerts.open()).filter((a) => a.title === 'Disk full')).toEqual([]);
  });

  it('groups an Alertmanager group into one message updated with counts, then resolved in place', async () => {
    const common = { alertname: 'HighLatency', severity: 'warning', system: 'billing' };
    const first = await postHook(app, '/hooks/alertmanager', amPayload('{}:{alertname="HighLatency"}', [{ fingerprint: 'a1', labels: { instance: 'web-1' } }], common));
    expect(first.status).toBe(200);
    const more = amPayload('{}:{alertname="HighLatency"}', ['a1', 'a2', 'a3'].map((f) => ({ fingerprint: f, labels: { instance: f } })), common);
    expect((await postHook(app, '/hooks/alertmanager', more)).status).toBe(200);
    const open = await app.services.alerts.open();
    const alert = open.find((a) => a.group?.includes('HighLatency'))!;
    expect(alert).toMatchObject({ system: 'billing', severity: 'warning', count: 3, firing: 3, status: 'firing' });
    const card = await waitFor(async () => {
      const msgs = (await feed(app, 'engineering')).filter((m) => m.text.includes(alert.id));
      return msgs.some((m) => m.text.includes('×3')) ? msgs : undefined;
    });
    expect(card).toHaveLength(1);
    const resolved = amPayload('{}:{alertname="HighLatency"}', ['a1', 'a2', 'a3'].map((f) => ({ fingerprint: f, status: 'resolved' as const })), common);
    expect((await postHook(app, '/hooks/alertmanager', resolved)).status).toBe(200);
    expect((await app.services.alerts.get(alert.id)).status).toBe('resolved');
    const after = await waitFor(async () => {
      const msgs = (await feed(app, 'engineering')).filter((m) => m.text.includes(alert.id));
      return msgs.some((m) => m.text.includes('Resolved')) && msgs;
    });
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(card[0]!.id);
  });

  it('stores the same delivery sent twice once', async () => {
    const body = { system: 'crm', title: 'Queue backlog', severity: 'info', status: 'firing', dedupKey: 'q-1', runbook: 'https://wiki/q' };
    const a = await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'delivery-77' });
    const b = await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'delivery-77' });
    expect(a.status).toBe(200);
    expect(b).toEqual({ status: 200, json: { duplicate: true } });
    const alert = (await app.services.alerts.open()).find((x) => x.dedupKey === 'generic:q-1')!;
    expect(alert.count).toBe(1);
    expect(alert.labels).toMatchObject({ runbook: 'https://wiki/q' });
    const again = await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'delivery-78' });
    expect(again.status).toBe(200);
    expect((await app.services.alerts.get(alert.id)).count).toBe(2);
  });

  it('accepts what the shipped Zabbix media type script sends, for a problem, a problem update (severity, acknowledge) and its recovery', async () => {
    const doc = parseYaml(readFileSync('examples/zabbix/aftercare-media-type.yaml', 'utf8')) as {
      zabbix_export: { media_types: Array<{ script: string; parameters: Array<{ name: string; value: string }> }> };
    };
    const mt = doc.zabbix_export.media_types[0]!;
    const macros: Record<string, string> = {
      '{ALERT.SENDTO}': TOKEN,
      '{EVENT.ID}': '4711',
      '{EVENT.SEVERITY}': 'High',
      '{HOST.NAME}': 'db-01',
      '{EVENT.NAME}': 'MySQL is down',
      '{ALERT.MESSAGE}': 'MySQL is down on db-01',
      '{EVENT.TAGS.system}': 'crm',
      '{$ZABBIX.URL}': 'https://zabbix.example.com',
      '{TRIGGER.ID}': '99',
    };
    /** Runs the media type's script the way Zabbix does: every macro of its parameters resolved. */
    const run = async (overrides: Record<string, string>) => {
      const params = Object.fromEntries(
        mt.parameters.map((p) => {
          let v = p.name === 'url' ? `${app.url}/hooks/zabbix` : p.value;
          for (const [m, x] of Object.entries({ ...macros, ...overrides })) v = v.split(m).join(x);
          return [p.name, v];
        }),
      );
      const { stdout } = await exec(process.execPath, ['-e', ZABBIX_RUNNER], { env: { ...process.env, ZBX_SCRIPT: mt.script, ZBX_VALUE: JSON.stringify(params) } });
      return stdout;
    };
    const problem = { '{EVENT.VALUE}': '1', '{EVENT.UPDATE.STATUS}': '0', '{EVENT.NSEVERITY}': '4', '{EVENT.ACK.STATUS}': 'No' };
    expect(await run(problem)).toBe('OK');
    // Zabbix retries a notification that failed: the same key and body are one delivery.
    expect(await run(problem)).toBe('OK');
    const alert = (await app.services.alerts.open()).find((a) => a.dedupKey === 'zabbix:4711')!;
    expect(alert).toMatchObject({ source: 'zabbix', system: 'crm', severity: 'critical', title: 'MySQL is down', count: 1 });
    expect(alert.url).toContain('eventid=4711');

    // A problem update: severity changed to Disaster and acknowledged, with the operator's message.
    const update = {
      ...problem,
      '{EVENT.UPDATE.STATUS}': '1',
      '{EVENT.UPDATE.ACTION}': 'changed severity and acknowledged',
      '{EVENT.UPDATE.DATE}': '2026.11.29',
      '{EVENT.UPDATE.TIME}': '09:20:05',
      '{EVENT.SEVERITY}': 'Disaster',
      '{EVENT.NSEVERITY}': '5',
      '{EVENT.ACK.STATUS}': 'Yes',
      '{USER.FULLNAME}': 'Ana Ops',
      '{ALERT.MESSAGE}': 'Ana Ops changed severity and acknowledged problem at 2026.11.29 09:20:05: failover being prepared',
    };
    expect(await run(update)).toBe('OK');
    const updated = await app.services.alerts.get(alert.id);
    expect(updated).toMatchObject({ status: 'acknowledged', ackedBy: 'zabbix:Ana Ops', description: update['{ALERT.MESSAGE}'] });
    const card = await waitFor(async () => (await feed(app, 'engineering')).find((m) => m.text.startsWith(`${alert.id} `) && m.text.includes('Acknowledged')));
    expect(card.html).toContain('failover being prepared');

    expect(await run({ ...problem, '{EVENT.VALUE}': '0' })).toBe('OK');
    expect((await app.services.alerts.get(alert.id)).status).toBe('resolved');
  });

  it('accepts what the shipped Nagios notification script sends, for a problem, its acknowledgement and its recovery', async () => {
    const env = { ...process.env, AFTERCARE_URL: app.url, AFTERCARE_HOOK_TOKEN: TOKEN, AFTERCARE_ENV_FILE: '/nonexistent' };
    const notify = (type: string, state: string, author = '') =>
      exec('sh', ['examples/nagios/aftercare-notify.sh', type, 'web-02', 'HTTP', state, 'HTTP CRITICAL: 503 "Service Unavailable"', '', author, '', 'shop'], { env });
    await notify('PROBLEM', 'CRITICAL');
    const alert = (await app.services.alerts.open()).find((a) => a.dedupKey === 'nagios:web-02:HTTP')!;
    expect(alert).toMatchObject({ source: 'nagios', system: 'shop', severity: 'critical', description: 'HTTP CRITICAL: 503 "Service Unavailable"' });
    await notify('ACKNOWLEDGEMENT', 'CRITICAL', 'nagiosadmin');
    // Acknowledged in Nagios: ours is acknowledged too (by whom), and its escalation stops.
    expect(await app.services.alerts.get(alert.id)).toMatchObject({ status: 'acknowledged', ackedBy: 'nagios:nagiosadmin' });
    await notify('RECOVERY', 'OK');
    expect((await app.services.alerts.get(alert.id)).status).toBe('resolved');
  });
});

describe('alert escalation timers', () => {
  it('re-notifies the alerts channel at the response target, then pages the escalation channel, once each', async () => {
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const { startApp } = await import('../../server/app.js');
    const { loadConfig } = await import('../../src/config.js');
    const { memoryLogger, tempSqliteUrl } = await import('../helpers/env.js');
    const timed = await startApp(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('esc'), AFTERCARE_HOOK_TOKEN: TOKEN, AFTERCARE_TIMER_POLL_MS: '3600000' }),
      { log: memoryLogger(), now: () => clock },
    );
    try {
      const res = await postHook(timed, '/hooks/alerts', { system: 'crm', title: 'CRM down', severity: 'critical', status: 'firing', dedupKey: 'crm-down' });
      const id = (res.json.created as string[])[0]!;
      expect(await timed.pollTimers()).toBe(0);
      clock += 15 * 60_000;
      expect(await timed.pollTimers()).toBe(1);
      expect(await timed.pollTimers()).toBe(0);
      clock += 8 * 60_000;
      expect(await timed.pollTimers()).toBe(1);
      await timed.outbox.drain();
      const eng = (await feed(timed, 'engineering')).filter((m) => m.text.includes(`${id} (critical) has not been acknowledged`));
      expect(eng).toHaveLength(1);
      const esc = (await feed(timed, 'escalations')).filter((m) => m.text.includes(`Alert ${id} was escalated`));
      expect(esc).toHaveLength(1);
      expect((await timed.services.alerts.get(id)).escalations).toBe(1);
      const audit = JSON.stringify(await timed.services.audit.latest(50));
      expect(audit).toContain('alert.sla_renotified');
      expect(audit).toContain('alert.escalated');
    } finally {
      await timed.stop();
    }
  });

  it('stops the timer when the alert is acknowledged', async () => {
    const res = await postHook(app, '/hooks/alerts', { system: 'crm', title: 'Slow', severity: 'info', status: 'firing', dedupKey: 'slow-1' });
    const id = (res.json.created as string[])[0]!;
    expect(await app.services.timers.get(`alert:${id}:respond`)).toBeDefined();
    await app.services.alerts.ack(id, 'playground:eng');
    expect(await app.services.timers.get(`alert:${id}:respond`)).toBeUndefined();
  });
});

describe('backup hooks', () => {
  it('stores a generic report and a restore test, and rejects a bad time naming the field', async () => {
    const bad = await postHook(app, '/hooks/backups', { system: 'erp', type: 'full', status: 'success', startedAt: 'yesterday', finishedAt: '2026-11-24T02:00:00Z' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain('startedAt');
    const ok = await postHook(app, '/hooks/backups', {
      system: 'erp', type: 'differential', status: 'success', startedAt: '2026-11-24T01:00:00Z', finishedAt: new Date(Date.now() - 3600_000).toISOString(), bytes: 5 * 1024 ** 3, location: 's3://b/erp',
    });
    expect(ok).toMatchObject({ status: 200, json: { system: 'erp', state: 'ok', duplicate: false } });
    await postHook(app, '/hooks/backups', { system: 'erp', type: 'full', status: 'success', startedAt: '2026-11-24T01:00:00Z', finishedAt: '2026-11-24T01:30:00Z', restoreTest: true });
    const [erp] = await app.services.backups.status(['erp']);
    expect(erp!.last.differential).toMatchObject({ bytes: 5 * 1024 ** 3, location: 's3://b/erp' });
    expect(erp!.lastRestoreTest?.status).toBe('success');
  });

  it('pushes a failed backup to the backups subscribers at once, and only once', async () => {
    const body = { system: 'wms', type: 'incremental', status: 'failed', startedAt: '2026-11-24T01:00:00Z', finishedAt: '2026-11-24T01:05:00Z' };
    expect((await postHook(app, '/hooks/backups', body)).status).toBe(200);
    expect((await postHook(app, '/hooks/backups', body)).json).toEqual({ duplicate: true });
    const failedIn = async () => (await feed(app, 'engineering')).filter((m) => m.html.includes('wms') && m.html.includes('last backup failed'));
    await waitFor(async () => (await failedIn()).length > 0);
    await app.outbox.drain();
    expect(await failedIn()).toHaveLength(1);
  });

  it('rejects restic output without a summary line with 400', async () => {
    const res = await postHook(app, '/hooks/backups/restic?system=crm', '{"message_type":"status","percent_done":0.5}\n');
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toContain('summary');
    const noSystem = await postHook(app, '/hooks/backups/restic', '{}');
    expect(String(noSystem.json.error)).toContain('system');
  });

  it('records a size from restic output', async () => {
    const summary = { message_type: 'summary', files_new: 3, files_changed: 0, files_unmodified: 0, dirs_new: 1, dirs_changed: 0, dirs_unmodified: 0, data_blobs: 3, tree_blobs: 1, data_added: 2048, total_files_processed: 3, total_bytes_processed: 123456, total_duration: 0.4, snapshot_id: 'abc123' };
    const res = await postHook(app, '/hooks/backups/restic?system=hr', `{"message_type":"status","percent_done":1}\n${JSON.stringify(summary)}\n`, { 'content-type': 'application/x-ndjson' });
    expect(res.json).toMatchObject({ system: 'hr', state: 'ok', snapshotId: 'abc123', bytes: 123456 });
    const [hr] = await app.services.backups.status(['hr']);
    expect(hr!.last.full?.bytes).toBe(123456);
    expect(formatBytes(123456)).toBe('121 KB');
  });
});

describe('release hook', () => {
  it('announces a release to releases subscribers and tells the reporter of each fixed ticket', async () => {
    const ev = await fetch(`${app.url}/playground/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'carol', role: 'customer', lang: 'en', channel: 'support-acme', kind: 'command', text: '/issue Export times out sev:S3 system:crm' }),
    });
    expect(ev.status).toBe(200);
    const bad = await postHook(app, '/hooks/releases', { version: '1.4.2', fixed: ['SUP-1'] });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain('notes');
    const res = await postHook(app, '/hooks/releases', { version: '1.4.2', date: '2026-11-24', notes: 'Faster export.', fixed: ['sup-1'] });
    expect(res).toMatchObject({ status: 200, json: { version: '1.4.2', fixed: ['SUP-1'] } });
    const msgs = await waitFor(async () => {
      const list = await feed(app, 'support-acme');
      return list.some((m) => m.text.includes('1.4.2') && m.text.includes('SUP-1')) && list.some((m) => m.html.includes('Faster export.')) && list;
    });
    expect(msgs.filter((m) => m.html.includes('Faster export.'))).toHaveLength(1);
    expect((await app.services.releases.get('1.4.2')).fixed).toEqual(['SUP-1']);
  });
});
