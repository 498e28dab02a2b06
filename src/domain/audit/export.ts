import { randomBytes } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { keys } from '../../core/keys.js';
import type { ServiceDeps } from '../deps.js';
import type { AuditEntry, AuditLog } from './service.js';

/** What an export link covers. Times are epoch ms, inclusive. */
export interface AuditExportSpec {
  org?: string;
  from: number;
  to: number;
  by: string;
  createdAt: number;
}

/** How long an export link works. */
export const EXPORT_TTL_MS = 24 * 3_600_000;
/** Audit entries read per round trip while streaming. */
const PAGE = 500;
/** The CSV's columns, in order. */
export const EXPORT_COLUMNS = ['time', 'actor', 'action', 'target', 'organisation', 'before', 'after'] as const;

/**
 * Audit log exports: a link with an unguessable token (192 random bits, base64url) kept 24 hours,
 * and the CSV it serves, streamed page by page through csv-stringify so memory stays flat however
 * many rows there are. UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right.
 */
export function createAuditExports(deps: ServiceDeps, audit: AuditLog) {
  const { store, now, config } = deps;

  /** Entries of the spec in time order, a page at a time (a score cursor, so no page re-reads the ones before). */
  async function* rows(spec: AuditExportSpec): AsyncGenerator<Record<(typeof EXPORT_COLUMNS)[number], string>> {
    const index = spec.org ? keys.auditOrg(spec.org) : keys.audit();
    let min = spec.from;
    let skip = 0;
    for (;;) {
      const page = await store.zrange(index, min, spec.to, { limit: PAGE, offset: skip });
      if (page.length === 0) return;
      const entries = await store.getMany<AuditEntry>(page.map((m) => keys.auditEntry(m.member)));
      for (const e of entries) {
        if (!e) continue;
        yield {
          time: new Date(e.at).toISOString(),
          actor: e.actor,
          action: e.action,
          target: e.target,
          organisation: e.org ?? '',
          before: e.before === undefined ? '' : JSON.stringify(e.before),
          after: e.after === undefined ? '' : JSON.stringify(e.after),
        };
      }
      if (page.length < PAGE) return;
      const last = page[page.length - 1]!.score;
      const atLast = page.filter((m) => m.score === last).length;
      skip = last === min ? skip + atLast : atLast;
      min = last;
    }
  }

  return {
    /** Creates a link (admin); the request itself is audited. */
    async create(by: string, input: { org?: string; from?: number; to?: number }): Promise<{ token: string; url: string; expiresAt: number }> {
      const token = randomBytes(24).toString('base64url');
      const at = now();
      const spec: AuditExportSpec = { org: input.org, from: input.from ?? 0, to: input.to ?? Number.MAX_SAFE_INTEGER, by, createdAt: at };
      await store.batch([{ op: 'set', key: keys.auditExport(token), value: spec, ttlMs: EXPORT_TTL_MS }, ...audit.entry(by, 'audit.export', input.org ?? '*', undefined, { from: input.from, to: input.to }, input.org)]);
      return { token, url: `${config.publicUrl}/exports/${token}.csv`, expiresAt: at + EXPORT_TTL_MS };
    },

    /** The spec of a live token; undefined for an unknown, malformed or expired one. */
    async find(token: string): Promise<AuditExportSpec | undefined> {
      if (!/^[\w-]{32}$/.test(token)) return undefined;
      const spec = await store.get<AuditExportSpec>(keys.auditExport(token));
      return spec && now() - spec.createdAt <= EXPORT_TTL_MS ? spec : undefined;
    },

    /** Streams the CSV of `spec` into `out` (honouring backpressure); resolves when it is all written. */
    async stream(spec: AuditExportSpec, out: Writable): Promise<void> {
      await pipeline(Readable.from(rows(spec)), stringify({ header: true, columns: [...EXPORT_COLUMNS], bom: true }), out);
    },
  };
}
export type AuditExports = ReturnType<typeof createAuditExports>;
