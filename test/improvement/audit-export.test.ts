import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import type { Write } from '../../src/core/store.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';
import { startTestApp } from '../hooks/support.js';

const ROWS = 100_000;
let app: RunningApp | undefined;
let h: Harness | undefined;
afterAll(async () => app?.stop());
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Parses a CSV response as it streams; returns the rows' count, the header and a few sample rows. */
async function parseStream(body: ReadableStream<Uint8Array>, sample: (row: string[], i: number) => void): Promise<number> {
  let n = 0;
  const parser = parse({ bom: true, relax_column_count: false });
  await pipeline(
    Readable.fromWeb(body as import('node:stream/web').ReadableStream),
    parser,
    new Writable({
      objectMode: true,
      write(row: string[], _enc, done) {
        sample(row, n++);
        done();
      },
    }),
  );
  return n;
}

describe('audit export', () => {
  it('streams 100,000 audit rows as a CSV with flat memory, with a BOM and Chinese intact', async () => {
    app = await startTestApp();
    const { store, services } = app;
    for (let i = 0; i < ROWS; i += 2000) {
      const writes: Write[] = [];
      for (let j = i; j < Math.min(ROWS, i + 2000); j++) {
        writes.push(...services.audit.entry(`feishu:ou_${j}`, 'ticket.comment', `SUP-${j}`, { 备注: '旧的' }, { 备注: `客户说：系统“很慢”, 第${j}行` }, j % 2 ? 'acme' : 'globex'));
      }
      await store.batch(writes);
    }
    const { url } = await services.exports.create('playground:root', {});
    const path = new URL(url).pathname;
    expect(path).toMatch(/^\/exports\/[\w-]{32}\.csv$/);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const res = await fetch(`${app.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    // The BOM is the first three bytes on the wire (csv-parse strips it below).
    const [branch1, branch2] = res.body!.tee();
    const reader = branch2.getReader();
    const first = await reader.read();
    expect([...first.value!.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    void reader.cancel();
    let header: string[] = [];
    let row77: string[] = [];
    let rows = 0;
    rows = await parseStream(branch1, (row, i) => {
      if (i === 0) header = row;
      if (row[3] === 'SUP-77') row77 = row;
    });
    clearInterval(sampler);
    expect(header).toEqual(['time', 'actor', 'action', 'target', 'organisation', 'before', 'after']);
    expect(rows - 1).toBeGreaterThanOrEqual(ROWS);
    expect(row77).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'feishu:ou_77', 'ticket.comment', 'SUP-77', 'acme', '{"备注":"旧的"}', '{"备注":"客户说：系统“很慢”, 第77行"}']);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`audit export: ${rows - 1} rows, RSS growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(50);
    expect((await fetch(`${app.url}/exports/${'x'.repeat(32)}.csv`)).status).toBe(404);
  }, 180_000);

  it('answers /aftercare audit export with a link for admins only, one organisation\'s rows when named, valid 24 hours', async () => {
    h = await createStandardHarness();
    await h.run('alice', 'support-acme', '/issue 登录失败 sev:S3');
    await h.run('carl', 'support-globex', '/issue Globex thing sev:S3');
    await h.run('root', 'engineering', '/security plan acme 遏制:1,通知客户:4');
    expect((await h.run('bob', 'engineering', '/aftercare audit export')).messages[0]!.text).toContain('admin role');
    expect((await h.run('root', 'engineering', '/aftercare audit export nosuch')).messages[0]!.text).toContain('no customer organisation');
    expect((await h.run('root', 'engineering', '/aftercare audit export acme from:2026-13-01')).messages[0]!.text).toContain('YYYY-MM-DD');
    const reply = await h.run('root', 'engineering', '/aftercare audit export acme from:2026-11-01 to:2026-11-30');
    const link = /http\S+\/exports\/([\w-]{32})\.csv/.exec(reply.messages[0]!.text)!;
    expect(reply.messages[0]!.visibility).toBe('ephemeral');
    const spec = (await h.services.exports.find(link[1]!))!;
    const chunks: Buffer[] = [];
    await h.services.exports.stream(spec, new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }));
    const csv = Buffer.concat(chunks).toString('utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain('"[{""step"":""遏制"",""hours"":1},{""step"":""通知客户"",""hours"":4}]"');
    expect(csv).toMatch(/,ticket\.created,SUP-1,acme,/);
    expect(csv).toContain(',acme,');
    expect(csv).not.toContain('globex');
    const zh = await h.run('root', 'engineering', '/aftercare audit export', 'zh-CN');
    expect(zh.messages[0]!.text).toContain('审计日志导出已就绪');
    h.advance(24 * 3_600_000 + 1000);
    expect(await h.services.exports.find(link[1]!)).toBeUndefined();
    expect((await h.services.audit.latest(200)).some((e) => e.action === 'audit.export' && e.actor === 'playground:root')).toBe(true);
  });
});
