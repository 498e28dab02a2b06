import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEncryptedRequest, encryptPayload, signature as larkSign } from '../../adapters/feishu/crypto.js';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { memoryLogger } from '../helpers/env.js';
import { APP_ID, cardAction, ENCRYPT_KEY, messageEvent, VERIFICATION_TOKEN } from '../feishu/feishu-events.js';
import { startFakeOpenApi, type FakeOpenApi } from '../feishu/fake-open-api.js';
import { startFakeSlack, type FakeSlack } from '../slack/fake-slack.js';
import { payload as slackFixture } from '../slack/fixtures.js';
import { slackHeaders } from '../slack/sign.js';
import { FakeConnector } from '../teams/fake-connector.js';
import { ACME_CHANNEL, cardClick, commandMessage, CUSTOMER } from '../teams/teams-activities.js';
import { mulberry32 } from '../helpers/seeded.js';

/**
 * A bounded, seeded fuzz of every HTTP endpoint of the running server. Every answer must be a
 * 2xx/4xx within 3 s, refused hook calls must change nothing, and /healthz must still answer.
 * Re-run a failing case with AFTERCARE_FUZZ_SEED=<seed printed in the summary>.
 */

const SEED = Number(process.env.AFTERCARE_FUZZ_SEED ?? 0x5eed1e) >>> 0;
const HOOK_TOKEN = 'fuzz-hook-token-0123456789';
const SLACK_SECRET = 'fuzz-signing-secret-0123456789';
const BATCH = 20;
const SLOW_MS = 3000;

const rnd = mulberry32(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const chance = (p: number) => rnd() < p;

// ---------- value generators ----------

const HUGE = 'x'.repeat(100 * 1024);
const nasty = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF\uD800', '💥'.repeat(50), '<script>alert(1)</script>', '${jndi:ldap://x}', '../../etc/passwd',
  '%00', '\\', '"', "'; DROP TABLE tickets; --", 'SUP-1', 'sup-999999999999999999999', '-1', '1e309', 'NaN', '__proto__', 'constructor',
  '\r\n\r\n', 'javascript:alert(1)', 'http://', 'x'.repeat(5000), '/issue x sev:S1', '/aftercare org acme', '<@U0ADMIN>', '@everyone',
];
function randomString(): string {
  const r = rnd();
  if (r < 0.03) return HUGE;
  if (r < 0.5) return pick(nasty);
  const len = int(40);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(chance(0.85) ? 32 + int(95) : int(0xffff));
  return s;
}
function randomScalar(): unknown {
  return pick<() => unknown>([
    () => null, () => true, () => false, () => 0, () => -1, () => 1.5, () => 1e308, () => Number.MAX_SAFE_INTEGER + 2,
    () => randomString(), () => [], () => ({}), () => [randomString()], () => ({ a: randomString() }),
  ])();
}
function deep(levels: number, arrays = chance(0.5)): string {
  return arrays ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}
/** encodeURIComponent that tolerates lone surrogates (it throws on them). */
const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
const POLLUTERS = ['__proto__', 'constructor', 'prototype'];

/** A structural mutation of a JSON value: drop, retype, add, inflate or pollute a field somewhere. */
function mutateValue(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 6) return chance(0.5) ? randomScalar() : v;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const op = int(7);
  if (op === 0 && keys.length) {
    if (Array.isArray(copy)) copy.splice(int(copy.length), 1);
    else delete copy[pick(keys)];
  } else if (op === 1 && keys.length) {
    (copy as Record<string, unknown>)[pick(keys)] = randomScalar();
  } else if (op === 2) {
    Object.defineProperty(copy, pick(POLLUTERS), { value: { polluted: 'yes', isAdmin: true }, enumerable: true, configurable: true, writable: true });
  } else if (op === 3) {
    (copy as Record<string, unknown>)[randomString().slice(0, 30) || 'extra'] = randomScalar();
  } else if (op === 4 && keys.length) {
    const k = pick(keys);
    (copy as Record<string, unknown>)[k] = mutateValue((copy as Record<string, unknown>)[k], depth + 1);
  } else if (op === 5 && keys.length) {
    (copy as Record<string, unknown>)[pick(keys)] = HUGE;
  } else if (keys.length) {
    const k = pick(keys);
    (copy as Record<string, unknown>)[k] = mutateValue((copy as Record<string, unknown>)[k], depth + 1);
  }
  return copy;
}

/** A raw-text mutation of a serialised body: truncate, splice in bytes, nest deeply, replace wholesale. */
function mutateText(text: string): string {
  switch (int(9)) {
    case 0: return text.slice(0, int(text.length));
    case 1: { const i = int(text.length + 1); return text.slice(0, i) + pick(['\u0000', '"', '{', ']', ',', '\\', '\uD800', 'null', ':']) + text.slice(i); }
    case 2: return deep(1000);
    case 3: return text.replace(/^\{/, '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},');
    case 4: return pick(['', 'null', 'true', '0', '[]', '"str"', '{}', '{"a":', 'undefined', '\u0000\u0000', '{,}', '[1,]', '{"a":1,"a":2}']);
    case 5: return text + text;
    case 6: return `[${text}]`;
    case 7: return text.replace(/"/g, "'");
    default: return JSON.stringify(mutateValue(safeParse(text)));
  }
}
function safeParse(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}
function invalidUtf8(text: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  const i = int(b.length + 1);
  return Buffer.concat([b.subarray(0, i), Buffer.from(pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00], [0xc0, 0xaf]])), b.subarray(i)]);
}
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/json; charset=utf-16', '', 'application/x-ndjson', '*/*'];

// ---------- the requests ----------

interface FuzzCase {
  endpoint: string; // label for the summary
  cls: string; // input class, for reports
  path: string;
  method?: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Must be refused (bad credentials): the answer must be 4xx. */
  mustRefuse?: boolean;
}
interface Answer {
  c: FuzzCase;
  status: number;
  ms: number;
  text: string;
}

let app: RunningApp;
let fakeSlack: FakeSlack;
let fakeFeishu: FakeOpenApi;
const connector = new FakeConnector();
let dir: string;
const log = memoryLogger();

async function send(c: FuzzCase): Promise<Answer> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SLOW_MS + 2000);
  try {
    const res = await fetch(`${app.url}${c.path}`, { method: c.method ?? 'POST', headers: c.headers, body: Buffer.isBuffer(c.body) ? new Uint8Array(c.body) : c.body, signal: controller.signal });
    const text = await res.text();
    return { c, status: res.status, ms: performance.now() - started, text: text.slice(0, 300) };
  } catch (e) {
    return { c, status: -1, ms: performance.now() - started, text: String(e) };
  } finally {
    clearTimeout(timer);
  }
}

async function fingerprint(): Promise<string> {
  const tickets = (await app.services.tickets.list({ status: 'all' })).total;
  const alerts = (await app.services.alerts.open(100)).map((a) => `${a.id}:${a.status}:${a.severity}`).join(',');
  const inbox = (await app.store.inboxPending(1000)).length;
  return JSON.stringify({ tickets, alerts, inbox });
}

// Hook seeds: a valid body per hook.
const hookSeeds: Array<{ path: string; body: unknown | string }> = [
  { path: '/hooks/alertmanager', body: { version: '4', receiver: 'aftercare', status: 'firing', groupKey: 'g', alerts: [{ status: 'firing', labels: { alertname: 'Disk', severity: 'critical', system: 'crm' }, annotations: { summary: 's' }, startsAt: '2026-01-01T00:00:00Z', fingerprint: 'f1' }], commonLabels: {}, externalURL: 'http://am' } },
  { path: '/hooks/zabbix', body: { eventId: '77', eventValue: '1', severity: 'High', host: 'db1', trigger: 'Disk full' } },
  { path: '/hooks/nagios', body: { type: 'PROBLEM', host: 'web-02', service: 'HTTP', state: 'CRITICAL', output: 'HTTP CRITICAL', system: 'shop' } },
  { path: '/hooks/alerts', body: { system: 'crm', title: 'Disk full', severity: 'critical', status: 'firing', dedupKey: 'k1' } },
  { path: '/hooks/backups', body: { system: 'erp', type: 'full', status: 'success', startedAt: '2026-11-24T01:00:00Z', finishedAt: '2026-11-24T01:30:00Z', bytes: 10 } },
  { path: '/hooks/backups/restic?system=crm', body: '{"message_type":"status","percent_done":1}\n{"message_type":"summary","files_new":1,"total_bytes_processed":100,"total_duration":0.4,"snapshot_id":"abc123"}\n' },
  { path: '/hooks/releases', body: { version: '1.4.2', notes: 'Fixes', fixed: ['SUP-1'] } },
  { path: '/hooks/releases/tests', body: { version: '1.4.2', suite: 'unit', passed: 10, failed: 1, skipped: 0 } },
];

function hookCases(n: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  const auth = { authorization: `Bearer ${HOOK_TOKEN}` };
  for (let i = 0; i < n; i++) {
    const seed = pick(hookSeeds);
    const base = typeof seed.body === 'string' ? seed.body : JSON.stringify(seed.body);
    const endpoint = seed.path.split('?')[0]!;
    const r = int(12);
    let c: FuzzCase;
    if (r === 0) c = { endpoint, cls: 'bad-token', path: seed.path, headers: pick<Record<string, string>>([{}, { authorization: 'Bearer wrong-token-xxxxxx' }, { authorization: HOOK_TOKEN }, { authorization: `Basic ${HOOK_TOKEN}` }, { authorization: `Bearer ${HOOK_TOKEN}x` }, { authorization: 'Bearer ' }]), body: base, mustRefuse: true };
    else if (r === 1) c = { endpoint, cls: 'wrong-content-type', path: seed.path, headers: { ...auth, 'content-type': pick(CONTENT_TYPES) }, body: chance(0.5) ? base : mutateText(base) };
    else if (r === 2) c = { endpoint, cls: 'invalid-utf8', path: seed.path, headers: { ...auth, 'content-type': 'application/json' }, body: invalidUtf8(base) };
    else if (r === 3) c = { endpoint, cls: 'deep-nesting', path: seed.path, headers: { ...auth, 'content-type': 'application/json' }, body: chance(0.5) ? deep(1000) : base.replace(/^\{/, `{"deep":${deep(800)},`) };
    else if (r === 4) c = { endpoint, cls: 'huge-string', path: seed.path, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(mutateValue(safeParse(base))).replace(/^\{/, `{"big":"${HUGE}",`) };
    else if (r === 5) c = { endpoint, cls: 'odd-query', path: `${endpoint}?${pick(['system=', 'system=' + enc(randomString().slice(0, 200)), 'system[]=a&system[]=b', 'system[__proto__]=x', 'type=bogus&system=crm', '__proto__[polluted]=yes', 'location=' + 'y'.repeat(3000) + '&system=crm'])}`, headers: { ...auth, 'content-type': 'application/json' }, body: base };
    else if (r === 6) c = { endpoint, cls: 'odd-method', path: seed.path, method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), headers: auth, body: undefined };
    else if (r <= 8) c = { endpoint, cls: 'mutated-text', path: seed.path, headers: { ...auth, 'content-type': 'application/json' }, body: mutateText(base) };
    else c = { endpoint, cls: 'mutated-fields', path: seed.path, headers: { ...auth, 'content-type': 'application/json', ...(chance(0.3) ? { 'idempotency-key': randomString().slice(0, 200).replace(/[^\x21-\x7e]/g, '_') || 'k' } : {}) }, body: JSON.stringify(mutateValue(mutateValue(safeParse(base)))) };
    if (c.method && ['GET', 'DELETE'].includes(c.method)) delete c.body;
    out.push(c);
  }
  return out;
}

// Slack: form slash commands, `payload=` interactivity and Events API JSON, signed around the mutation.
function slackCases(n: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const kind = int(3);
    let raw: string;
    let contentType: string;
    let cls: string;
    if (kind === 0) {
      const form: Record<string, unknown> = { ...slackFixture<Record<string, string>>('slash_command'), team_id: 'T0FUZZ', channel_id: 'C0FUZZ', user_id: 'U0FUZZ', command: pick(['/issue', '/faq', '/aftercare', '/nope', '']), text: randomString().slice(0, 20000), response_url: fakeSlack.responseUrl(`fuzz-${i}`) };
      const m = mutateValue(form) as Record<string, unknown>;
      raw = Object.entries(m).map(([k, v]) => `${enc(k)}=${enc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`).join('&');
      if (chance(0.3)) raw = mutateText(raw);
      contentType = 'application/x-www-form-urlencoded';
      cls = 'slash-form';
    } else if (kind === 1) {
      const p = { ...slackFixture<Record<string, unknown>>('block_actions'), response_url: fakeSlack.responseUrl(`fuzz-${i}`) };
      const json = chance(0.6) ? JSON.stringify(mutateValue(mutateValue(p))) : mutateText(JSON.stringify(p));
      raw = chance(0.8) ? `payload=${enc(json)}` : pick([`payload=${json}`, 'payload=', 'payload', `payload=${enc(json)}&payload=x`, `x=${enc(json)}`]);
      contentType = 'application/x-www-form-urlencoded';
      cls = 'interactivity-payload';
    } else {
      const ev = chance(0.2)
        ? { type: 'url_verification', challenge: randomString(), token: 't' }
        : { type: 'event_callback', team_id: 'T0FUZZ', api_app_id: 'A0FUZZ', event_id: `Ev${i}`, event_time: 1, event: { type: pick(['app_mention', 'message', 'member_joined_channel', 'bogus']), user: 'U0FUZZ', channel: 'C0FUZZ', text: '<@U0BOT> ' + randomString(), ts: '1.1' } };
      raw = chance(0.6) ? JSON.stringify(mutateValue(ev)) : mutateText(JSON.stringify(ev));
      contentType = 'application/json';
      cls = 'events-json';
    }
    const bad = chance(0.1);
    const headers = slackHeaders(SLACK_SECRET, raw, contentType, bad ? pick([{ secret: 'wrong-secret' }, { timestamp: 1 }, { timestamp: Math.floor(Date.now() / 1000) + 3600 }]) : {});
    if (bad && chance(0.3)) headers['x-slack-signature'] = pick(['', 'v0=', 'v1=abc', 'v0=' + 'g'.repeat(64)]);
    if (!bad && chance(0.05)) headers['content-type'] = pick(CONTENT_TYPES) || 'text/plain';
    const body: string | Buffer = !bad && chance(0.05) ? invalidUtf8(raw) : raw;
    if (Buffer.isBuffer(body)) Object.assign(headers, slackHeaders(SLACK_SECRET, body.toString('latin1'), contentType)); // signature over different bytes: still must not 5xx
    out.push({ endpoint: '/slack/events', cls: bad ? 'slack-bad-signature' : cls, path: '/slack/events', headers, body, mustRefuse: bad });
  }
  return out;
}

// Teams: Bot Framework activities (local-test mode, no auth), mutated.
function teamsCases(n: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const base = chance(0.6)
      ? commandMessage(connector.url, CUSTOMER, ACME_CHANNEL, randomString().slice(0, 5000))
      : cardClick(connector.url, CUSTOMER, ACME_CHANNEL, '1709286000000', { verb: pick(['issue.ack', 'issue.resolve', 'csat', 'bogus']), data: { a: 'issue.ack', v: pick(['SUP-1', randomString()]) } });
    const mutated = mutateValue(mutateValue(base)) as Record<string, unknown>;
    // Keep replies on loopback: a random serviceUrl must not reach the network.
    if (mutated && typeof mutated === 'object' && !Array.isArray(mutated) && typeof mutated.serviceUrl === 'string' && mutated.serviceUrl !== connector.url) mutated.serviceUrl = connector.url;
    const r = int(10);
    let body: string | Buffer = JSON.stringify(mutated);
    let cls = 'mutated-activity';
    let contentType = 'application/json; charset=utf-8';
    if (r < 3) { body = mutateText(JSON.stringify(base)); cls = 'mutated-text'; }
    else if (r === 3) { body = invalidUtf8(JSON.stringify(base)); cls = 'invalid-utf8'; }
    else if (r === 4) { contentType = pick(CONTENT_TYPES); cls = 'wrong-content-type'; }
    else if (r === 5) { body = deep(1000); cls = 'deep-nesting'; }
    // mutateText may have rebuilt the serviceUrl; keep any literal URL on loopback.
    if (typeof body === 'string') body = body.replace(/"serviceUrl":"(?!http:\/\/127\.0\.0\.1)[^"]*"/g, `"serviceUrl":"${connector.url}"`);
    out.push({ endpoint: '/api/messages', cls, path: '/api/messages', headers: { 'content-type': contentType }, body });
  }
  return out;
}

// Feishu: the mutation goes into the plaintext inside a valid encryption and signature.
function feishuCases(n: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  const user = { openId: 'ou_fuzz0000000000000000000000000001', name: 'Fuzz' };
  for (let i = 0; i < n; i++) {
    const cards = chance(0.4);
    const path = cards ? '/feishu/cards' : '/feishu/events';
    const base: unknown = chance(0.1)
      ? { challenge: randomString(), token: VERIFICATION_TOKEN, type: 'url_verification' }
      : cards
        ? cardAction(user, 'oc_fuzz', 'om_fuzz', { a: pick(['issue.ack', 'csat', 'bogus']), v: randomString() }, chance(0.3) ? { title: randomString() } : undefined)
        : messageEvent(user, 'oc_fuzz', pick(['group', 'p2p'] as const), randomString().slice(0, 5000));
    const r = int(10);
    let cls = 'mutated-inside-encryption';
    let plaintext = JSON.stringify(mutateValue(mutateValue(base)));
    if (r < 3) { plaintext = mutateText(JSON.stringify(base)); cls = 'mutated-text-inside-encryption'; }
    if (r === 3) {
      // Valid encryption, then the envelope itself is broken (and signed as such).
      const env = pick([`{"encrypt":${JSON.stringify(randomString())}}`, '{"encrypt":123}', '{}', deep(1000), mutateText(JSON.stringify({ encrypt: encryptPayload(ENCRYPT_KEY, JSON.stringify(base)) })), `{"encrypt":"${encryptPayload(ENCRYPT_KEY, plaintext).slice(0, 20)}"}`]);
      const { headers } = buildEncryptedRequest(ENCRYPT_KEY, {});
      const signedHeaders = resign(headers, env);
      out.push({ endpoint: path, cls: 'broken-envelope', path, headers: signedHeaders, body: env });
      continue;
    }
    if (r === 4) {
      const { body, headers } = buildEncryptedRequest(pick(['wrong-key', '']) || 'x', base);
      out.push({ endpoint: path, cls: 'feishu-bad-key', path, headers, body, mustRefuse: true });
      continue;
    }
    // The URL challenge is proven by decrypting and by its token, not signed by Feishu: not a bad-signature case.
    if (r === 5 && (base as { type?: unknown }).type !== 'url_verification') {
      const { body, headers } = buildEncryptedRequest(ENCRYPT_KEY, base);
      const h = { ...headers };
      pick([() => (h['x-lark-signature'] = 'deadbeef'), () => delete h['x-lark-signature'], () => (h['x-lark-request-timestamp'] = '1'), () => (h['x-lark-request-nonce'] = 'other')])();
      out.push({ endpoint: path, cls: 'feishu-bad-signature', path, headers: h, body, mustRefuse: true });
      continue;
    }
    const body = JSON.stringify({ encrypt: encryptPayload(ENCRYPT_KEY, plaintext) });
    const { headers } = buildEncryptedRequest(ENCRYPT_KEY, {});
    out.push({ endpoint: path, cls, path, headers: resign(headers, body), body });
  }
  return out;
}
function resign(headers: Record<string, string>, body: string): Record<string, string> {
  // buildEncryptedRequest signs its own body; sign ours with a fresh request over the same timestamp/nonce.
  const ts = headers['x-lark-request-timestamp']!;
  const nonce = headers['x-lark-request-nonce']!;
  return { ...headers, 'x-lark-signature': larkSignature(ts, nonce, body) };
}
const larkSignature = (ts: string, nonce: string, body: string) => larkSign(ENCRYPT_KEY, ts, nonce, body);

// Playground (loopback): its JSON event, mutated.
function playgroundCases(n: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const base = { user: pick(['alice', 'bob', 'carol']), role: pick(['customer', 'engineer', 'admin']), lang: pick(['en', 'zh', 'xx']), channel: pick(['support-acme', 'engineering']), kind: pick(['command', 'message', 'action']), text: pick(['/issue ', '/faq ', '/aftercare ', '']) + randomString().slice(0, 5000) };
    const r = int(8);
    let body: string | Buffer = JSON.stringify(mutateValue(mutateValue(base)));
    let cls = 'mutated-fields';
    let contentType = 'application/json';
    if (r < 3) { body = mutateText(JSON.stringify(base)); cls = 'mutated-text'; }
    else if (r === 3) { body = invalidUtf8(JSON.stringify(base)); cls = 'invalid-utf8'; }
    else if (r === 4) { contentType = pick(CONTENT_TYPES); cls = 'wrong-content-type'; }
    else if (r === 5) { body = deep(1000); cls = 'deep-nesting'; }
    out.push({ endpoint: '/playground/event', cls, path: '/playground/event', headers: { 'content-type': contentType }, body });
  }
  return out;
}

// ---------- the run ----------

const answers: Answer[] = [];
const refusedChanged: Array<{ batch: Answer[]; before: string; after: string }> = [];

async function runBatches(cases: FuzzCase[], checkRefusals: boolean): Promise<void> {
  for (let i = 0; i < cases.length; i += BATCH) {
    const batch = cases.slice(i, i + BATCH);
    const before = checkRefusals ? await fingerprint() : '';
    const got = await Promise.all(batch.map(send));
    answers.push(...got);
    if (process.env.FUZZ_TRACE) console.log(`[fuzz] batch ${batch[0]!.endpoint}/${batch[0]!.cls} max ${Math.round(Math.max(...got.map((a) => a.ms)))}ms statuses ${got.map((a) => a.status).join(',')}`);
    if (checkRefusals && got.every((a) => a.status >= 400 && a.status < 500)) {
      const after = await fingerprint();
      if (after !== before) refusedChanged.push({ batch: got, before, after });
    }
  }
}

function describeAnswer(a: Answer): string {
  const body = a.c.body === undefined ? '' : Buffer.isBuffer(a.c.body) ? `<${a.c.body.length} bytes: ${a.c.body.subarray(0, 120).toString('hex')}>` : a.c.body.length > 200 ? `${a.c.body.slice(0, 200)}…(${a.c.body.length} chars)` : a.c.body;
  return `${a.c.method ?? 'POST'} ${a.c.path} [${a.c.cls}] headers=${JSON.stringify(a.c.headers)} body=${JSON.stringify(body)} → ${a.status} in ${Math.round(a.ms)} ms: ${a.text.slice(0, 200)}`;
}

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  fakeFeishu = await startFakeOpenApi();
  await connector.start();
  dir = mkdtempSync(join(tmpdir(), 'aftercare-fuzz-'));
  app = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: `sqlite://${join(dir, 'fuzz.sqlite')}`,
      AFTERCARE_HOOK_TOKEN: HOOK_TOKEN,
      AFTERCARE_PLAYGROUND: 'on',
      AFTERCARE_TIMER_POLL_MS: '3600000',
      SLACK_BOT_TOKEN: 'xoxb-fuzz-token',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      TEAMS_ENABLED: 'true',
      FEISHU_APP_ID: APP_ID,
      FEISHU_APP_SECRET: 'feishu-app-secret',
      FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      FEISHU_DOMAIN: fakeFeishu.url,
    }),
    { log },
  );
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await fakeSlack?.close();
  await fakeFeishu?.close();
  await connector.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fuzzing every HTTP endpoint (seeded)', () => {
  it('answers every input with a 2xx/4xx within 3 s, refused inputs change nothing, and stays healthy', async () => {
    const started = performance.now();
    // Hooks first, while nothing else writes to the store, grouped by class so refused batches are compared.
    const hooks = hookCases(2200);
    const byClass = new Map<string, FuzzCase[]>();
    for (const c of hooks) byClass.set(c.cls, [...(byClass.get(c.cls) ?? []), c]);
    for (const group of byClass.values()) await runBatches(group, true);
    // Bodies over the 20 MB hook limit: a few only.
    const over = Buffer.alloc(21 * 1024 * 1024, 0x20);
    await runBatches(
      ['/hooks/alerts', '/hooks/backups/restic?system=crm', '/hooks/releases'].map((path) => ({ endpoint: path.split('?')[0]!, cls: 'over-limit-21MB', path, headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' }, body: over })),
      true,
    );
    // Credential refusals on the signed platforms before any accepted platform input, so the store is quiet.
    const platform = [...slackCases(1100), ...teamsCases(700), ...feishuCases(900), ...playgroundCases(500)];
    await runBatches(platform.filter((c) => c.mustRefuse), true);
    await runBatches(platform.filter((c) => !c.mustRefuse), false);
    // Let accepted work settle (replies, outbox) so a late crash would show in the logs below.
    await Promise.race([app.outbox.drain().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);

    const health = await fetch(`${app.url}/healthz`);
    const duration = performance.now() - started;

    const perEndpoint: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    for (const a of answers) {
      perEndpoint[a.c.endpoint] = (perEndpoint[a.c.endpoint] ?? 0) + 1;
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    }
    console.log(`[fuzz] seed=${SEED} inputs=${answers.length} duration=${Math.round(duration)}ms perEndpoint=${JSON.stringify(perEndpoint)} statuses=${JSON.stringify(statuses)}`);

    const serverErrors = answers.filter((a) => a.status >= 500 || a.status < 0);
    const slow = answers.filter((a) => a.ms > SLOW_MS);
    const notRefused = answers.filter((a) => a.c.mustRefuse && !(a.status >= 400 && a.status < 500));
    const show = (xs: Answer[]) => {
      const firstPerClass = new Map<string, Answer>();
      for (const a of xs) if (!firstPerClass.has(`${a.c.path}|${a.c.cls}|${a.status}`)) firstPerClass.set(`${a.c.path}|${a.c.cls}|${a.status}`, a);
      return [...firstPerClass.values()].map(describeAnswer);
    };
    if (serverErrors.length) console.log(`[fuzz] 5xx/no answer (${serverErrors.length}):\n${show(serverErrors).join('\n')}`);
    if (slow.length) console.log(`[fuzz] slower than ${SLOW_MS} ms (${slow.length}):\n${show(slow).join('\n')}`);
    if (notRefused.length) console.log(`[fuzz] bad credentials not refused (${notRefused.length}):\n${show(notRefused).join('\n')}`);
    for (const r of refusedChanged) console.log(`[fuzz] refused batch changed the store: ${r.before} → ${r.after}\n${r.batch.slice(0, 3).map(describeAnswer).join('\n')}`);

    expect(answers.length).toBeGreaterThanOrEqual(5000);
    expect(show(serverErrors)).toEqual([]);
    expect(show(slow)).toEqual([]);
    expect(show(notRefused)).toEqual([]);
    expect(refusedChanged.map((r) => `${r.before} → ${r.after}`)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  }, 120_000);
});
