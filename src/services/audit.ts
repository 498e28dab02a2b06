import { effectKey } from '../core/effects.js';
import { keys } from '../core/keys.js';
import type { ServiceDeps } from './deps.js';

export interface AuditEntry {
  id: number;
  at: number;
  /** `platform:id`, or `system:<hook|timer>` for automatic changes. */
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

/** Append-only audit log of every state change (PRODUCT.md §1). */
export function createAuditLog({ store, now }: ServiceDeps) {
  return {
    /** Appends an entry; a delivery run again writes its entries under the same ids (no doubles). */
    async record(actor: string, action: string, target: string, before?: unknown, after?: unknown): Promise<void> {
      const id = await store.nextId('seq:audit', effectKey('audit'));
      const entry: AuditEntry = { id, at: now(), actor, action, target, before, after };
      await store.set(keys.auditEntry(String(id)), entry);
      await store.zadd(keys.audit(), String(id), id);
    },
    async latest(limit: number): Promise<AuditEntry[]> {
      const ids = await store.zrange(keys.audit(), -Infinity, Infinity, { reverse: true, limit });
      const entries = await store.getMany<AuditEntry>(ids.map((m) => keys.auditEntry(m.member)));
      return entries.filter((e): e is AuditEntry => e !== undefined);
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
