import { createHash, randomUUID } from 'node:crypto';
import { effectKey } from '../../core/effects.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import type { ServiceDeps } from '../deps.js';

export interface AuditEntry {
  /** Unique; the same on every run of the delivery that wrote it. */
  id: string;
  at: number;
  /** `platform:id`, or `system:<hook|timer>` for automatic changes. */
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  /** The customer organisation the change concerns, when it concerns one (the export's filter). */
  org?: string;
}

/** Append-only audit log of every state change, ordered by time. */
export function createAuditLog({ store, now }: ServiceDeps) {
  /**
   * The writes that append an entry, for a caller to put in the batch of the change it records.
   * Keyed by the delivery's effect when there is one, so a delivery run again writes no double.
   * `org`: the organisation the change concerns; the entry is then indexed for that organisation's export too.
   */
  function entry(actor: string, action: string, target: string, before?: unknown, after?: unknown, org?: string): Write[] {
    const effect = effectKey('audit');
    const id = effect ? createHash('sha256').update(effect).digest('hex').slice(0, 16) : randomUUID().replaceAll('-', '').slice(0, 16);
    const e: AuditEntry = { id, at: now(), actor, action, target, before, after, ...(org === undefined ? {} : { org }) };
    const writes: Write[] = [
      { op: 'set', key: keys.auditEntry(id), value: e },
      { op: 'zadd', key: keys.audit(), member: id, score: e.at },
    ];
    if (org !== undefined) writes.push({ op: 'zadd', key: keys.auditOrg(org), member: id, score: e.at });
    return writes;
  }
  return {
    entry,
    /** Appends an entry on its own. */
    async record(actor: string, action: string, target: string, before?: unknown, after?: unknown, org?: string): Promise<void> {
      await store.batch(entry(actor, action, target, before, after, org));
    },
    async latest(limit: number): Promise<AuditEntry[]> {
      const ids = await store.zrange(keys.audit(), -Infinity, Infinity, { reverse: true, limit });
      const entries = await store.getMany<AuditEntry>(ids.map((m) => keys.auditEntry(m.member)));
      return entries.filter((e): e is AuditEntry => e !== undefined);
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
