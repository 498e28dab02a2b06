import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import type { Write } from '../../core/store.js';
import { keys } from '../../core/keys.js';
import type { AuditLog } from '../audit/service.js';
import { count, emptyTally, tallyWrites } from '../digest/figures.js';
import { withLock, type ServiceDeps } from '../deps.js';
import type { OrgPeople } from '../directory/org-people.js';
import type { Tickets } from '../tickets/service.js';
import type { SuiteReport } from './junit.js';

/** One suite's latest reported run. */
export interface SuiteResult extends SuiteReport {
  /** When CI reported it (epoch ms). */
  at: number;
}

/** An organisation's answer to the acceptance request. */
export interface Acceptance {
  state: 'pending' | 'approved' | 'rejected';
  by?: string;
  byName?: string;
  at?: number;
  reason?: string;
}

/**
 * A planned release: the gates it must pass before `/release-notes publish` lets it out — every
 * test suite CI reported has passed in its latest run (and at least one was reported), and every
 * affected organisation accepted it.
 */
export interface Candidate {
  version: string;
  system: string;
  notes: string;
  plannedBy: string;
  plannedAt: number;
  /** Latest run per suite name. */
  suites: Record<string, SuiteResult>;
  /** Acceptance per affected organisation. */
  uat: Record<string, Acceptance>;
  status: 'planned' | 'published';
  /** An admin published it without all gates (audited). */
  override?: { by: string; reason: string; at: number };
}

/** A gate not passed yet, named so the refusal can say exactly what is missing. */
export type MissingGate =
  | { gate: 'tests_missing' }
  | { gate: 'suite_failed'; suite: string; failed: number; total: number; failures: string[] }
  | { gate: 'uat_pending'; org: string }
  | { gate: 'uat_rejected'; org: string; reason?: string };

/** Publishing a planned release whose gates are not all passed. */
export class GatesNotPassedError extends Error {
  constructor(
    readonly version: string,
    readonly missing: MissingGate[],
  ) {
    super(`release ${version} has not passed: ${missing.map(describeGate).join('; ')}`);
    this.name = 'GatesNotPassedError';
  }
}

/** A language-neutral line per missing gate (the hook's answer; chat replies are localized). */
export function describeGate(m: MissingGate): string {
  switch (m.gate) {
    case 'tests_missing':
      return 'no test results reported';
    case 'suite_failed':
      return `suite ${m.suite} failed (${m.failed} of ${m.total})`;
    case 'uat_pending':
      return `acceptance by ${m.org} pending`;
    case 'uat_rejected':
      return `acceptance rejected by ${m.org}${m.reason ? `: ${m.reason}` : ''}`;
  }
}

/** What still blocks a candidate, in a stable order: tests first, then organisations by name. */
export function missingGates(c: Candidate): MissingGate[] {
  const out: MissingGate[] = [];
  const suites = Object.values(c.suites).sort((a, b) => a.suite.localeCompare(b.suite));
  if (!suites.length) out.push({ gate: 'tests_missing' });
  for (const s of suites) {
    if (s.failed > 0) out.push({ gate: 'suite_failed', suite: s.suite, failed: s.failed, total: s.passed + s.failed + s.skipped, failures: s.failures });
  }
  for (const org of Object.keys(c.uat).sort()) {
    const a = c.uat[org]!;
    if (a.state === 'pending') out.push({ gate: 'uat_pending', org });
    if (a.state === 'rejected') out.push({ gate: 'uat_rejected', org, reason: a.reason });
  }
  return out;
}

/**
 * Release validation: planning a candidate, recording CI's suite results and each organisation's
 * acceptance, and the gate check publication runs. Every change is one locked read-modify-write of
 * the candidate with its audit entry in the same batch.
 */
export function createReleaseValidation(deps: ServiceDeps, audit: AuditLog, tickets: Tickets, orgs: OrgPeople) {
  const { store, now } = deps;

  async function load(version: string): Promise<Candidate> {
    const c = await store.get<Candidate>(keys.releaseCandidate(version));
    if (!c) throw new AppError('not_found', 'error.release_not_planned', { version });
    return c;
  }

  /** Organisations a release of `system` fixing `version`'s tickets concerns: those with tickets fixed in it, and those owning the system. */
  async function affectedOrgs(version: string, system: string): Promise<string[]> {
    const fixed = (await tickets.fixedIn(version)).map((t) => t.org);
    const all = (await store.zrange(keys.orgs(), -Infinity, Infinity)).map((m) => m.member);
    // An organisation's systems are a short list each; the organisations are the deployment's customers.
    const owning = await Promise.all(all.map(async (org) => ((await store.zscore(keys.orgSystems(org), system)) !== undefined ? org : undefined)));
    return [...new Set([...fixed, ...owning.filter((o): o is string => o !== undefined)])].filter((o) => o !== 'internal').sort();
  }

  /**
   * Applies `fn` to the stored candidate under its lock and stores it with the audit entry `action`
   * and `extra` writes (digest counts) in one batch, once per delivery: a delivery run again finds
   * its change made and counts nothing twice.
   */
  async function change(version: string, by: string, action: string, fn: (c: Candidate) => unknown, extra: Write[] = []): Promise<Candidate> {
    const effect = effectKey('release-candidate');
    return withLock(store, `release-candidate:${version}`, async () => {
      const c = await load(version);
      const after = fn(c);
      const applied = await store.batch([{ op: 'set', key: keys.releaseCandidate(version), value: c }, ...audit.entry(by, action, version, undefined, after), ...extra], { once: effect });
      return applied ? c : load(version);
    });
  }

  return {
    load,
    async find(version: string): Promise<Candidate | undefined> {
      return store.get<Candidate>(keys.releaseCandidate(version));
    },

    /**
     * Plans `version` of `system`: a candidate with no suite results yet and a pending acceptance
     * per affected organisation. Planning it again (same system) keeps what was reported and adds
     * organisations that became affected since; a published version cannot be planned.
     */
    async plan(by: string, input: { version: string; system: string; notes?: string }): Promise<{ candidate: Candidate; added: string[] }> {
      const orgList = await affectedOrgs(input.version, input.system);
      return withLock(store, `release-candidate:${input.version}`, async () => {
        const existing = await store.get<Candidate>(keys.releaseCandidate(input.version));
        if (existing?.status === 'published' || (!existing && (await store.get(keys.release(input.version))))) {
          throw new AppError('conflict', 'error.release_already_published', { version: input.version });
        }
        if (existing && existing.system !== input.system) throw new AppError('conflict', 'error.release_other_system', { version: input.version, system: existing.system });
        const c: Candidate = existing ?? { version: input.version, system: input.system, notes: '', plannedBy: by, plannedAt: now(), suites: {}, uat: {}, status: 'planned' };
        if (input.notes) c.notes = input.notes;
        const added = orgList.filter((o) => !c.uat[o]);
        for (const org of added) c.uat[org] = { state: 'pending' };
        await store.batch([
          { op: 'set', key: keys.releaseCandidate(c.version), value: c },
          ...audit.entry(by, 'release.planned', c.version, existing ? { orgs: Object.keys(existing.uat) } : undefined, { system: c.system, orgs: Object.keys(c.uat) }),
        ]);
        return { candidate: c, added };
      });
    },

    /** Records CI's latest run of each suite (a later run of a suite replaces the earlier). */
    async reportTests(by: string, version: string, reports: SuiteReport[]): Promise<Candidate> {
      return change(version, by, 'release.tests', (c) => {
        if (c.status === 'published') throw new AppError('conflict', 'error.release_already_published', { version });
        for (const r of reports) c.suites[r.suite] = { ...r, at: now() };
        return reports.map((r) => ({ suite: r.suite, passed: r.passed, failed: r.failed }));
      });
    },

    /**
     * An organisation's answer. Only its approvers may give it; a later answer replaces an earlier
     * one until the release is published. Counted in the digest.
     */
    async answer(by: string, byName: string | undefined, version: string, org: string, answer: { approve: boolean; reason?: string }): Promise<Candidate> {
      if (!(await orgs.isApprover(org, by))) throw new AppError('forbidden', 'error.not_approver', { org });
      const tally = emptyTally();
      count(tally.day, answer.approve ? 'uat:approved' : 'uat:rejected');
      return change(
        version,
        by,
        answer.approve ? 'release.uat_approved' : 'release.uat_rejected',
        (cand) => {
          if (cand.status === 'published') throw new AppError('conflict', 'error.release_already_published', { version });
          if (!cand.uat[org]) throw new AppError('not_found', 'error.uat_not_requested', { version, org });
          cand.uat[org] = { state: answer.approve ? 'approved' : 'rejected', by, byName, at: now(), reason: answer.reason };
          return { org, reason: answer.reason };
        },
        tallyWrites(tally, now()),
      );
    },

    /**
     * The gate check of publication: for a planned version, throws GatesNotPassedError naming
     * every missing gate, unless `force` (an admin's override, audited with its reason). Marks
     * the candidate published. A version never planned passes (releases published straight away).
     */
    async gate(by: string, version: string, force?: { reason: string }): Promise<Candidate | undefined> {
      const existing = await store.get<Candidate>(keys.releaseCandidate(version));
      if (!existing) return undefined;
      if (existing.status === 'published') return existing;
      // Organisations whose tickets were fixed in it since it was planned are asked too.
      const orgList = await affectedOrgs(version, existing.system);
      return change(version, by, force ? 'release.gates_overridden' : 'release.gates_passed', (c) => {
        for (const org of orgList) c.uat[org] ??= { state: 'pending' };
        const missing = missingGates(c);
        if (missing.length && !force) throw new GatesNotPassedError(version, missing);
        c.status = 'published';
        if (force && missing.length) c.override = { by, reason: force.reason, at: now() };
        return { missing: missing.map(describeGate), reason: force?.reason };
      });
    },
  };
}
export type ReleaseValidation = ReturnType<typeof createReleaseValidation>;
