import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { TOKEN, feed, freePort, startTestApp, waitFor } from './support.js';

let app: RunningApp;
let am: ChildProcess;
let amUrl: string;

beforeAll(async () => {
  app = await startTestApp();
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-am-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: aftercare
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['capped="yes"']
      receiver: capped
receivers:
  - name: aftercare
    webhook_configs:
      - url: '${app.url}/hooks/alertmanager'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '${TOKEN}'
  - name: capped
    webhook_configs:
      - url: '${app.url}/hooks/alertmanager'
        send_resolved: true
        max_alerts: 3
        http_config:
          authorization:
            type: Bearer
            credentials: '${TOKEN}'
`,
  );
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok, 20_000);
});

afterAll(async () => {
  am?.kill('SIGTERM');
  await app?.stop();
});

async function fire(alerts: Array<{ labels: Record<string, string>; endsAt?: string }>) {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: { summary: `${a.labels.alertname} on ${a.labels.instance}` }, generatorURL: 'http://prometheus.local/graph', ...(a.endsAt ? { endsAt: a.endsAt } : {}) }))),
  });
  expect(res.status).toBe(200);
}

describe('a real Prometheus Alertmanager', () => {
  it('delivers alerts grouped into one message per group in the subscribed channel, then resolved when it resolves them', async () => {
    const instances = ['db-1', 'db-2', 'db-3', 'db-4'];
    const labels = (alertname: string, instance: string) => ({ alertname, instance, severity: 'critical', system: 'crm' });
    await fire([...instances.map((i) => ({ labels: labels('DiskFull', i) })), { labels: labels('ReplicationLag', 'db-1') }]);

    const grouped = await waitFor(async () => {
      const msgs = (await feed(app, 'engineering')).filter((m) => m.text.includes('DiskFull') || m.text.includes('ReplicationLag'));
      return msgs.some((m) => m.text.includes('DiskFull') && m.text.includes('×4')) && msgs.some((m) => m.text.includes('ReplicationLag')) && msgs;
    }, 30_000);
    expect(grouped).toHaveLength(2);
    const open = await app.services.alerts.open();
    expect(open.map((a) => a.title).sort()).toEqual(['DiskFull', 'ReplicationLag']);
    expect(open.find((a) => a.title === 'DiskFull')).toMatchObject({ source: 'alertmanager', system: 'crm', severity: 'critical', count: 4, firing: 4 });

    const past = new Date(Date.now() - 1000).toISOString();
    await fire([...instances.map((i) => ({ labels: labels('DiskFull', i), endsAt: past })), { labels: labels('ReplicationLag', 'db-1'), endsAt: past }]);
    const resolved = await waitFor(async () => {
      const msgs = (await feed(app, 'engineering')).filter((m) => m.text.includes('DiskFull') || m.text.includes('ReplicationLag'));
      return msgs.length === 2 && msgs.every((m) => m.text.includes('Resolved')) && msgs;
    }, 30_000);
    expect(resolved.map((m) => m.id).sort()).toEqual(grouped.map((m) => m.id).sort());
    expect(await app.services.alerts.open()).toEqual([]);
  });

  it('with max_alerts set, keeps a group larger than the limit open with its full count when the shown part resolves', async () => {
    const labels = (instance: string) => ({ alertname: 'VolumeFull', instance, severity: 'critical', system: 'crm', capped: 'yes' });
    const instances = ['vol-0', 'vol-1', 'vol-2', 'vol-3', 'vol-4', 'vol-5'];
    await fire(instances.map((i) => ({ labels: labels(i) })));
    const card = await waitFor(async () => (await feed(app, 'engineering')).find((m) => m.text.includes('VolumeFull') && m.text.includes('×6')), 30_000);
    expect(card.html).toContain('3 alert(s) of this group were not shown');
    const alert = (await app.services.alerts.open()).find((a) => a.title === 'VolumeFull')!;
    expect(alert).toMatchObject({ count: 6, hidden: 3, status: 'firing' });

    // Alertmanager lists a group's alerts in label order: the first three are the ones it shows. They resolve…
    const past = new Date(Date.now() - 1000).toISOString();
    await fire(instances.slice(0, 3).map((i) => ({ labels: labels(i), endsAt: past })));
    const after = await waitFor(async () => {
      const a = await app.services.alerts.get(alert.id);
      return a.firing === 0 && a;
    }, 30_000);
    // …while the three it leaves out still fire: the card stays open, counting all six.
    expect(after).toMatchObject({ status: 'firing', count: 6, hidden: 3 });
    const shown = (await feed(app, 'engineering')).find((m) => m.id === card.id)!;
    expect(shown.text).toContain('Firing');
    expect(shown.text).toContain('×6');
    expect(shown.text).not.toContain('Resolved');
  });
});
