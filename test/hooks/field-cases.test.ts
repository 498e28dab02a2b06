import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import type { PlaygroundMessage } from '../../adapters/playground/index.js';
import { keys } from '../../src/core/keys.js';
import { respondTimerId } from '../../src/domain/escalation.js';
import type { Timer } from '../../src/domain/timers.js';
import { feed, postHook, startTestApp, waitFor } from './support.js';

/**
 * The monitoring field cases (test/fixtures/monitoring/M*.md say what each reproduces): real payloads
 * of Alertmanager 0.25, Zabbix, Nagios and restic 0.14/0.17, posted over HTTP to the running server;
 * each test asserts what people see in chat — the alert card in the subscribed channel, `/issue show`,
 * `/alerts`, `/backup-status` — through the playground, which renders the cards the platforms get.
 */

const FIXTURES = join(import.meta.dirname, '../fixtures/monitoring');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NDJSON = { 'content-type': 'application/x-ndjson' };

let app: RunningApp;
beforeAll(async () => {
  // A very long RPO: the restic 0.17 case finished at a fixed date, and must not turn stale when the suite runs later.
  app = await startTestApp({ AFTERCARE_BACKUP_RPO: '*=876000' });
});
afterAll(async () => {
  await app.stop();
});

/** The channel as the user `erin` sees it (her own ephemeral answers included). */
async function feedOfErin(channel: string): Promise<PlaygroundMessage[]> {
  const res = await fetch(`${app.url}/playground/feed?channel=${encodeURIComponent(channel)}&user=erin`);
  return ((await res.json()) as { messages: PlaygroundMessage[] }).messages;
}

/** Runs a chat command in the playground as `erin` with `role`; resolves with the bot's answer in that channel. */
async function command(text: string, opts: { role?: string; channel?: string } = {}): Promise<PlaygroundMessage> {
  const channel = opts.channel ?? 'ops';
  const feed = feedOfErin;
  const before = new Set((await feed(channel)).map((m) => m.id));
  const res = await fetch(`${app.url}/playground/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'erin', role: opts.role ?? 'engineer', lang: 'en', channel, kind: 'command', text }),
  });
  expect(res.status).toBe(200);
  return waitFor(async () => (await feed(channel)).find((m) => m.author === 'bot' && !before.has(m.id)));
}

/** The card of `id` in the engineers' channel once `ready` holds for it. */
async function cardOf(id: string, ready: (m: PlaygroundMessage) => boolean = () => true): Promise<PlaygroundMessage> {
  return waitFor(async () => {
    const cards = (await feed(app, 'engineering')).filter((m) => m.text.startsWith(`${id} `));
    return cards.length === 1 && ready(cards[0]!) ? cards[0] : undefined;
  });
}

const idsOf = (res: { json: Record<string, unknown> }) => [...((res.json.created as string[]) ?? []), ...((res.json.updated as string[]) ?? [])];

describe('kind 1 — latest state wins, per source lifecycle', () => {
  it('M1: a group truncated by max_alerts stays open after its shown members resolve, counting all 6', async () => {
    const first = await postHook(app, '/hooks/alertmanager', fixture('M1-1.json'));
    expect(first.status).toBe(200);
    const [id] = idsOf(first);
    const second = await postHook(app, '/hooks/alertmanager', fixture('M1-2.json'));
    expect(second.status).toBe(200);
    const card = await cardOf(id!, (m) => m.html.includes('not shown'));
    expect(card.text).toContain('Firing');
    expect(card.text).not.toContain('Resolved');
    expect(card.text).toContain('×6');
    expect(card.html).toContain('3 alert(s) of this group were not shown');
    const shown = await command(`/issue show ${id}`);
    expect(shown.text).toContain('Firing');
    expect(shown.text).toContain('×6');
  });

  it('M2: a critical member joining a warning group makes the group critical, on the S1 clock, with its text', async () => {
    const first = await postHook(app, '/hooks/alertmanager', fixture('M2-1.json'));
    const [id] = idsOf(first);
    await cardOf(id!, (m) => m.html.includes('tone-warning'));
    await postHook(app, '/hooks/alertmanager', fixture('M2-2.json'));
    const card = await cardOf(id!, (m) => m.html.includes('tone-danger'));
    expect(card.html).toContain('critical');
    expect(card.html).toContain('Disk 99% full on erp-db-2');
    const alert = await app.services.alerts.get(id!);
    const timer = await app.store.get<Timer>(keys.timer(respondTimerId('alert', id!)));
    expect(timer?.dueAt).toBe(alert.firstAt + app.services.deps.config.sla.S1.respondMin * 60_000);
  });

  it('M3: WARNING then CRITICAL for one Nagios service shows critical with the new output', async () => {
    const first = await postHook(app, '/hooks/nagios', fixture('M3-1.txt'), FORM);
    const [id] = idsOf(first);
    await postHook(app, '/hooks/nagios', fixture('M3-2.txt'), FORM);
    const card = await cardOf(id!, (m) => m.html.includes('tone-danger'));
    expect(card.html).toContain('DISK CRITICAL - free space: /var 120 MB (1%)');
    expect(card.html).not.toContain('DISK WARNING');
  });

  it('M5: PROBLEM, RECOVERY, then the same PROBLEM again fires again (a new alert), never "duplicate"', async () => {
    const first = await postHook(app, '/hooks/nagios', fixture('M5-1.txt'), FORM);
    const [firstId] = idsOf(first);
    expect((await postHook(app, '/hooks/nagios', fixture('M5-2.txt'), FORM)).json).toMatchObject({ updated: [firstId] });
    await cardOf(firstId!, (m) => m.text.includes('Resolved'));
    const again = await postHook(app, '/hooks/nagios', fixture('M5-1.txt'), FORM);
    expect(again.json.duplicate).toBeUndefined();
    const [againId] = again.json.created as string[];
    expect(againId).toBeDefined();
    expect(againId).not.toBe(firstId);
    const card = await cardOf(againId!);
    expect(card.text).toContain('Firing');
    expect(card.html).toContain('Socket timeout after 10 seconds');
  });

  it('M6: FLAPPINGSTART and FLAPPINGSTOP in an OK state leave nothing firing; a flapping problem ends when flapping stops OK', async () => {
    const start = await postHook(app, '/hooks/nagios', fixture('M6-1.txt'), FORM);
    expect(start.json).toMatchObject({ created: [], updated: [] });
    await postHook(app, '/hooks/nagios', fixture('M6-2.txt'), FORM);
    const listed = await command('/alerts open system:web-01');
    expect(listed.text).toContain('No alerts to show');

    const bad = fixture('M6-1.txt').replace('state=OK', 'state=CRITICAL').replace('host=web-01', 'host=web-09');
    const [id] = idsOf(await postHook(app, '/hooks/nagios', bad, FORM));
    await cardOf(id!, (m) => m.text.includes('Firing'));
    await postHook(app, '/hooks/nagios', fixture('M6-2.txt').replace('host=web-01', 'host=web-09'), FORM);
    const card = await cardOf(id!, (m) => m.text.includes('Resolved'));
    expect(card.html).toContain('tone-success');
  });

  it('Icinga 2\'s own type names (Problem, FlappingEnd) follow the same lifecycle', async () => {
    const problem = { type: 'Problem', host: 'app-4', service: 'ping4', state: 'Critical', output: 'PING CRITICAL - Packet loss = 100%', system: 'crm' };
    const [id] = idsOf(await postHook(app, '/hooks/nagios', problem));
    expect((await cardOf(id!)).html).toContain('tone-danger');
    await postHook(app, '/hooks/nagios', { ...problem, type: 'FlappingEnd', state: 'OK', output: 'PING OK - Packet loss = 0%' });
    expect((await cardOf(id!, (m) => m.text.includes('Resolved'))).html).toContain('tone-success');
  });

  it('a Nagios ACKNOWLEDGEMENT acknowledges ours and stops its escalation timer; DOWNTIMESTART does too', async () => {
    const problem = 'type=PROBLEM&host=db-07&service=Load&state=CRITICAL&output=CRITICAL+-+load+average+40&system=crm';
    const [id] = idsOf(await postHook(app, '/hooks/nagios', problem, FORM));
    expect(await app.store.get(keys.timer(respondTimerId('alert', id!)))).toBeDefined();
    await postHook(app, '/hooks/nagios', problem.replace('type=PROBLEM', 'type=ACKNOWLEDGEMENT') + '&author=Ana', FORM);
    const card = await cardOf(id!, (m) => m.text.includes('Acknowledged'));
    expect(card.html).toContain('nagios:Ana');
    expect(await app.store.get(keys.timer(respondTimerId('alert', id!)))).toBeUndefined();

    const host = 'type=PROBLEM&host=sw-03&state=DOWN&output=PING+CRITICAL&system=crm';
    const [hostId] = idsOf(await postHook(app, '/hooks/nagios', host, FORM));
    await postHook(app, '/hooks/nagios', host.replace('type=PROBLEM', 'type=DOWNTIMESTART'), FORM);
    expect((await app.services.alerts.get(hostId!)).status).toBe('acknowledged');
    expect(await app.store.get(keys.timer(respondTimerId('alert', hostId!)))).toBeUndefined();
  });
});

describe('Grafana\'s Alertmanager-compatible webhook', () => {
  it('is taken on /hooks/alertmanager like Alertmanager\'s', async () => {
    const grafana = {
      receiver: 'aftercare', status: 'firing', orgId: 1, state: 'alerting', title: '[FIRING:1] High memory usage', message: 'Memory above 90 %',
      alerts: [{
        status: 'firing', labels: { alertname: 'High memory usage', system: 'crm', severity: 'warning', grafana_folder: 'Ops' },
        annotations: { summary: 'Memory above 90 % on app-3' }, startsAt: '2026-11-29T09:51:03.157076+02:00', endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'https://grafana.example.com/alerting/grafana/abc/view', fingerprint: 'c6eadffa33fcdf37', silenceURL: 'https://grafana.example.com/alerting/silence/new', values: { B: 91.2 },
      }],
      groupLabels: { alertname: 'High memory usage' }, commonLabels: { alertname: 'High memory usage', system: 'crm' }, commonAnnotations: {},
      externalURL: 'https://grafana.example.com/', version: '1', groupKey: '{}/{}:{alertname="High memory usage"}', truncatedAlerts: 0,
    };
    const res = await postHook(app, '/hooks/alertmanager', grafana);
    expect(res.status).toBe(200);
    const card = await cardOf(idsOf(res)[0]!);
    expect(card.html).toContain('Memory above 90 % on app-3');
    expect(card.html).toContain('tone-warning');
  });
});

describe('kind 2 — dedupe only true retries', () => {
  it('M11: the same Idempotency-Key with a different body is 422 and changes nothing; its own key is then processed', async () => {
    const first = await postHook(app, '/hooks/alerts', fixture('M11-1.json'), { 'idempotency-key': 'job-42' });
    expect(first.status).toBe(200);
    const [id] = idsOf(first);
    const reused = await postHook(app, '/hooks/alerts', fixture('M11-2.json'), { 'idempotency-key': 'job-42' });
    expect(reused.status).toBe(422);
    expect(String(reused.json.error)).toContain('job-42');
    expect((await app.services.alerts.get(id!)).status).toBe('firing');
    expect(await postHook(app, '/hooks/alerts', fixture('M11-1.json'), { 'idempotency-key': 'job-42' })).toEqual({ status: 200, json: { duplicate: true } });
    expect((await postHook(app, '/hooks/alerts', fixture('M11-2.json'), { 'idempotency-key': 'job-43' })).status).toBe(200);
    expect((await cardOf(id!, (m) => m.text.includes('Resolved'))).html).toContain('tone-success');

    const problem = await postHook(app, '/hooks/zabbix', fixture('M11-3.json'), { 'idempotency-key': 'zabbix-7001-1' });
    const [zid] = idsOf(problem);
    const update = await postHook(app, '/hooks/zabbix', fixture('M11-4.json'), { 'idempotency-key': 'zabbix-7001-1' });
    expect(update.status).toBe(422);
    expect((await app.services.alerts.get(zid!)).description).toContain('Operational data: 612s');
    // Sent with a key of its own (as the fixed media type does), the update wins: Disaster, with its text.
    expect((await postHook(app, '/hooks/zabbix', fixture('M11-4.json'), { 'idempotency-key': 'zabbix-7001-u-1' })).status).toBe(200);
    const card = await cardOf(zid!, (m) => m.html.includes('failover being prepared'));
    expect(card.html).toContain('tone-danger');
  });

  it('a copy sent while the first is still being stored gets the first one\'s outcome, never a second record', async () => {
    const body = JSON.stringify({ system: 'crm', title: 'Queue stuck', severity: 'warning', status: 'firing', dedupKey: 'q-concurrent' });
    const answers = await Promise.all([1, 2, 3].map(() => postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'concurrent-1' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.json.duplicate === true)).toHaveLength(2);
    const alert = (await app.services.alerts.list({ scope: 'open', system: 'crm' })).find((a) => a.dedupKey === 'generic:q-concurrent')!;
    expect(alert.count).toBe(1);
  });

  it('a copy that outlasts the wait while the first is still storing gets 409, never a 2xx before the data is stored', async () => {
    const ingest = app.services.alerts.ingest;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const started = new Promise<void>((r) => (entered = r));
    app.services.alerts.ingest = async (...args) => {
      entered();
      await gate;
      return ingest(...args);
    };
    const body = JSON.stringify({ system: 'crm', title: 'Slow store', severity: 'warning', status: 'firing', dedupKey: 'slow-1' });
    try {
      const first = postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'slow-delivery' });
      await started;
      const copy = await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'slow-delivery' });
      expect(copy.status).toBe(409);
      expect(String(copy.json.error)).toContain('still being processed');
      expect((await app.services.alerts.list({ scope: 'open', system: 'crm' })).some((a) => a.dedupKey === 'generic:slow-1')).toBe(false);
      release();
      expect((await first).status).toBe(200);
    } finally {
      app.services.alerts.ingest = ingest;
      release();
    }
    expect(await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'slow-delivery' })).toEqual({ status: 200, json: { duplicate: true } });
  });

  it('a delivery whose work failed leaves its key free: the sender\'s retry is processed', async () => {
    const ingest = app.services.alerts.ingest;
    app.services.alerts.ingest = async () => {
      app.services.alerts.ingest = ingest;
      throw new Error('store went away');
    };
    const body = JSON.stringify({ system: 'crm', title: 'Cron missed', severity: 'warning', status: 'firing', dedupKey: 'cron-1' });
    expect((await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'flaky-1' })).status).toBe(500);
    const retry = await postHook(app, '/hooks/alerts', body, { 'idempotency-key': 'flaky-1' });
    expect(retry.status).toBe(200);
    expect(retry.json.created).toHaveLength(1);
  });

  it('a backup report whose store step failed is not remembered as stored: the retry stores it', async () => {
    const batch = app.store.batch.bind(app.store);
    let failed = false;
    app.store.batch = async (writes, options) => {
      if (!failed && options?.once?.includes('backup')) {
        failed = true;
        throw new Error('disk full');
      }
      return batch(writes, options);
    };
    const body = { system: 'ledger', type: 'full', status: 'success', startedAt: '2026-11-29T01:00:00Z', finishedAt: '2026-11-29T01:30:00Z' };
    try {
      expect((await postHook(app, '/hooks/backups', body)).status).toBe(500);
      const retry = await postHook(app, '/hooks/backups', body);
      expect(retry).toMatchObject({ status: 200, json: { system: 'ledger', duplicate: false } });
    } finally {
      app.store.batch = batch;
    }
    expect((await command('/backup-status ledger')).html).toContain('ledger');
  });
});

describe('kind 3 — one system-name rule, Chinese names and severities', () => {
  it('M8: Chinese host names and Zabbix severities, and a Chinese system label, reach the right systems as critical', async () => {
    const sub = await command('/aftercare subscribe alerts system:财务系统', { role: 'admin', channel: 'finance-ops' });
    expect(sub.text).not.toContain('1–64');
    const z1 = await postHook(app, '/hooks/zabbix', fixture('M8-1.json'));
    const z2 = await postHook(app, '/hooks/zabbix', fixture('M8-2.json'));
    const am = await postHook(app, '/hooks/alertmanager', fixture('M8-3.json'));
    const [id1, id2, id3] = [...idsOf(z1), ...idsOf(z2), ...idsOf(am)];
    expect((await cardOf(id1!)).html).toContain('财务系统数据库');
    expect((await cardOf(id2!)).html).toContain('人事系统应用');
    for (const id of [id1, id2, id3]) {
      const card = await cardOf(id!);
      expect(card.html).toContain('tone-danger');
      expect(card.html).toContain('critical');
    }
    const finance = await waitFor(async () => (await feed(app, 'finance-ops')).find((m) => m.text.startsWith(`${id3} `)));
    expect(finance.text).toContain('财务系统');
    const listed = await command('/alerts open system:财务系统');
    expect(listed.text).toContain(id3);
    expect(listed.text).not.toContain(`${id1} `);
  });

  it('one system under any spelling: "CRM Prod" in a backup is found by /backup-status crm prod and shown as first written', async () => {
    const at = new Date(Date.now() - 3600_000).toISOString();
    expect((await postHook(app, '/hooks/backups', { system: 'CRM Prod', type: 'full', status: 'success', startedAt: at, finishedAt: at })).status).toBe(200);
    expect((await postHook(app, '/hooks/backups', { system: 'ｃｒｍ  prod', type: 'incremental', status: 'success', startedAt: at, finishedAt: new Date(Date.now() - 60_000).toISOString() })).status).toBe(200);
    const one = await command('/backup-status crm prod');
    expect(one.html).toContain('CRM Prod');
    expect(one.html).toContain('Incremental');
    expect(one.html).toContain('Full');
    const all = await command('/backup-status');
    expect(all.html.match(/CRM Prod/gi)).toHaveLength(1);
  });

  it('Chinese severities on the generic hook map like their English names', async () => {
    const res = await postHook(app, '/hooks/alerts', { system: '人事系统', title: '登录失败', severity: '严重', status: 'firing', dedupKey: 'hr-login' });
    expect(res.status).toBe(200);
    expect((await cardOf(idsOf(res)[0]!)).html).toContain('tone-danger');
  });
});

describe('kind 4 — backups from the run\'s own facts (restic)', () => {
  it('M13: a run that failed on a wrong password is a failed backup, from the empty stdout or the merged output', async () => {
    const empty = await postHook(app, '/hooks/backups/restic?system=m13', fixture('M13-stdout.ndjson'), NDJSON);
    expect(empty).toMatchObject({ status: 200, json: { state: 'failed', status: 'failed' } });
    const merged = await postHook(app, '/hooks/backups/restic?system=m13&exit=12', fixture('M13-merged.txt'), NDJSON);
    expect(merged).toMatchObject({ status: 200, json: { state: 'failed', reason: 'wrong password or no key found' } });
    // restic 0.17 says the same as JSON on stderr, with its exit code.
    const json = await postHook(app, '/hooks/backups/restic?system=m13c', '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}\n', NDJSON);
    expect(json).toMatchObject({ status: 200, json: { state: 'failed', reason: 'wrong password or no key found' } });
    const shown = await command('/backup-status m13');
    expect(shown.html).toContain('last backup failed');
    expect(shown.html).toContain('wrong password or no key found');
    await waitFor(async () => (await feed(app, 'engineering')).some((m) => m.html.includes('m13') && m.html.includes('last backup failed')));
  });

  it('M14: a run that could not read a file (exit 3) is incomplete, from stdout alone or merged', async () => {
    const stdout = await postHook(app, '/hooks/backups/restic?system=m14', fixture('M14-stdout.ndjson'), NDJSON);
    expect(stdout).toMatchObject({ status: 200, json: { state: 'incomplete', snapshotId: '45f67697' } });
    const merged = await postHook(app, '/hooks/backups/restic?system=m14b&exit=3', fixture('M14-merged.ndjson'), NDJSON);
    expect(merged).toMatchObject({ status: 200, json: { state: 'incomplete', snapshotId: '75e961fd' } });
    const shown = await command('/backup-status m14b');
    expect(shown.html).toContain('last backup incomplete');
    expect(shown.html).toContain('/proc/1/mem: permission denied');
    expect((await command('/backup-status m14')).html).not.toContain('>OK');
    // Pushed at once to the backups subscribers, like a failure.
    await waitFor(async () => (await feed(app, 'engineering')).some((m) => m.html.includes('m14b') && m.html.includes('last backup incomplete')));
  });

  it('M15: a --dry-run is refused (no snapshot was written) and records nothing', async () => {
    const res = await postHook(app, '/hooks/backups/restic?system=m15', fixture('M15.ndjson'), NDJSON);
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toContain('dry_run');
    expect((await command('/backup-status m15')).text).toContain('No backups are known for system "m15"');
  });

  it('M17: a --skip-if-unchanged run is a good backup finished at restic\'s backup_end, the previous snapshot still current', async () => {
    const earlier = { system: 'm17', type: 'incremental', status: 'success', startedAt: '2026-11-28T00:00:00Z', finishedAt: '2026-11-28T00:10:00Z', location: 'restic snapshot 1a2b3c4d' };
    expect((await postHook(app, '/hooks/backups', earlier)).status).toBe(200);
    const res = await postHook(app, '/hooks/backups/restic?system=m17', fixture('M17.ndjson'), NDJSON);
    expect(res).toMatchObject({ status: 200, json: { state: 'ok', status: 'success' } });
    const [m17] = await app.services.backups.status(['m17']);
    expect(m17!.last.incremental).toMatchObject({ finishedAt: Date.parse('2026-11-29T02:00:00.12+01:00'), unchanged: true, location: 'restic snapshot 1a2b3c4d' });
    const shown = await command('/backup-status m17');
    expect(shown.html).toContain('OK');
    expect(shown.html).toContain('unchanged, previous backup current');
  });

  it('M19: a finish time in the future is refused, also a local wall time labelled Z', async () => {
    const res = await postHook(app, '/hooks/backups', fixture('M19.json'));
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toMatch(/^finishedAt: in the future/);
    const local = new Date(Date.now() + 8 * 3600_000).toISOString();
    const shifted = await postHook(app, '/hooks/backups', { system: 'wiki', type: 'full', status: 'success', startedAt: local, finishedAt: local });
    expect(shifted.status).toBe(400);
    expect((await command('/backup-status wiki')).text).toContain('No backups are known for system "wiki"');
  });

  it('orders reports by finish time: a late report of an older failure does not hide a newer good backup', async () => {
    const newer = new Date(Date.now() - 600_000).toISOString();
    const older = new Date(Date.now() - 7200_000).toISOString();
    await postHook(app, '/hooks/backups', { system: 'late', type: 'full', status: 'success', startedAt: newer, finishedAt: newer });
    const late = await postHook(app, '/hooks/backups', { system: 'late', type: 'full', status: 'failed', startedAt: older, finishedAt: older });
    expect(late).toMatchObject({ status: 200, json: { state: 'ok' } });
    expect((await command('/backup-status late')).html).toContain('OK');
  });
});

describe('kind 5 — clear errors for wrong wire formats', () => {
  it('reads JSON sent with a form content type, answers 415 for a form where JSON is expected, 400 naming a missing field', async () => {
    const json = JSON.stringify({ system: 'crm', title: 'Form-typed JSON', severity: 'info', status: 'firing', dedupKey: 'form-json' });
    expect((await postHook(app, '/hooks/alerts', json, FORM)).status).toBe(200);
    expect((await postHook(app, '/hooks/alerts', `\uFEFF${json.replace('form-json', 'bom-json')}`, { 'content-type': 'text/plain' })).status).toBe(200);
    const form = await postHook(app, '/hooks/alertmanager', 'status=firing&receiver=x', FORM);
    expect(form.status).toBe(415);
    expect(String(form.json.error)).toContain('application/json');
    const text = await postHook(app, '/hooks/zabbix', 'Problem: disk full', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const missing = await postHook(app, '/hooks/alerts', { system: 'crm', severity: 'info', status: 'firing', dedupKey: 'x' });
    expect(missing.status).toBe(400);
    expect(String(missing.json.error)).toContain('title');
  });
});

describe('kind 6 — alerts readable in chat', () => {
  it('/issue show ALR-n shows the alert; /alerts all lists resolved ones too; /backup-status of an unknown system says so', async () => {
    const res = await postHook(app, '/hooks/alerts', { system: 'billing', title: 'Invoice queue', severity: 'warning', status: 'firing', dedupKey: 'inv-q' });
    const [id] = idsOf(res);
    const shown = await command(`/issue show ${id!.toLowerCase()}`);
    expect(shown.text).toContain(`${id} Invoice queue on billing — Firing`);
    await postHook(app, '/hooks/alerts', { system: 'billing', title: 'Invoice queue', severity: 'warning', status: 'resolved', dedupKey: 'inv-q' });
    expect((await command('/alerts open system:billing')).text).not.toContain(`${id} `);
    const all = await command('/alerts all system:BILLING');
    expect(all.text).toContain(`${id} · warning · Invoice queue on billing — Resolved`);
    const customer = await command('/alerts', { role: 'customer' });
    expect(customer.text).not.toContain('ALR-');
    expect((await command('/backup-status nosuchsystem')).text).toBe('No backups are known for system "nosuchsystem".');
  });
});

