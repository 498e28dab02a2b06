import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { postHook, startTestApp, TOKEN } from './support.js';

/** POST /hooks/releases/tests and the gate on POST /hooks/releases, over HTTP. */
let app: RunningApp;
const junit = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');
const xml = (body: string, query: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/hooks/releases/tests${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml', ...headers }, body }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, unknown>,
  }));

beforeAll(async () => {
  app = await startTestApp();
  await app.services.validation.plan('playground:bob', { version: '2.0.0', system: 'crm' });
});
afterAll(async () => app?.stop());

describe('CI test results hook', () => {
  it('needs the hook token', async () => {
    const res = await fetch(`${app.url}/hooks/releases/tests?version=2.0.0`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: junit('pytest-passing.xml') });
    expect(res.status).toBe(401);
  });

  it('answers 400 naming what is wrong, and stores nothing', async () => {
    expect(await xml('<testsuite name="x">', '?version=2.0.0')).toMatchObject({ status: 400, json: { error: expect.stringContaining('not well-formed XML') } });
    expect(await xml(junit('pytest-passing.xml'), '')).toMatchObject({ status: 400, json: { error: expect.stringContaining('version') } });
    expect(await postHook(app, '/hooks/releases/tests', { version: '2.0.0', suite: 'unit', passed: 1 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('failed') } });
    expect((await app.services.validation.load('2.0.0')).suites).toEqual({});
  });

  it('answers 404 for a version nobody planned', async () => {
    expect(await xml(junit('pytest-passing.xml'), '?version=9.9.9')).toMatchObject({ status: 404, json: { error: expect.stringContaining('/release plan 9.9.9') } });
  });

  it('stores a report once per delivery, and a later run of a suite replaces the earlier', async () => {
    const first = await xml(junit('surefire-failing.xml'), '?version=2.0.0', { 'idempotency-key': 'run-1' });
    expect(first).toMatchObject({ status: 200, json: { suites: [{ suite: 'com.example.crm.PricingTest', failed: 1 }] } });
    expect(await xml(junit('surefire-failing.xml'), '?version=2.0.0', { 'idempotency-key': 'run-1' })).toMatchObject({ status: 200, json: { duplicate: true } });
    const audit = await app.services.audit.latest(50);
    expect(audit.filter((e) => e.action === 'release.tests' && e.target === '2.0.0')).toHaveLength(1);
    await postHook(app, '/hooks/releases/tests', { version: '2.0.0', suite: 'com.example.crm.PricingTest', passed: 3, failed: 0 });
    expect((await app.services.validation.load('2.0.0')).suites['com.example.crm.PricingTest']).toMatchObject({ passed: 3, failed: 0 });
  });

  it('refuses CI’s publication of a planned release with 409 naming the missing gates, and publishes nothing', async () => {
    await app.services.directory.setOrgSystems('test', 'acme', ['crm']);
    const res = await postHook(app, '/hooks/releases', { version: '2.0.0', notes: 'New pricing', system: 'crm' });
    expect(res).toMatchObject({ status: 409, json: { missing: ['acceptance by acme pending'] } });
    expect(await app.services.releases.find('2.0.0')).toBeUndefined();
  });
});
