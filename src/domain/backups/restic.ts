import { z } from 'zod';
import type { BackupType } from './service.js';

/** The summary line `restic backup --json` prints last (restic 0.14+). */
export const resticSummarySchema = z.looseObject({
  message_type: z.literal('summary'),
  files_new: z.number().optional(),
  files_changed: z.number().optional(),
  files_unmodified: z.number().optional(),
  dirs_unmodified: z.number().optional(),
  data_added: z.number().optional(),
  total_files_processed: z.number().optional(),
  total_bytes_processed: z.number(),
  total_duration: z.number(),
  snapshot_id: z.string().min(1),
});

export interface ResticRun {
  status: 'success' | 'failed';
  type: BackupType;
  startedAt: string;
  finishedAt: string;
  bytes?: number;
  snapshotId?: string;
  /** Kept with the stored report. */
  extra: Record<string, unknown>;
}

/**
 * Reads what `restic backup --json` prints: NDJSON with `status` lines, `error` lines and one
 * `summary` line at the end. A summary means a snapshot was written (success, even if some files
 * could not be read — restic exits 3 then); no summary but an `error`/`exit_error` line means the run
 * failed. restic prints no clock times, so the run is taken to have finished when the report arrives
 * and started `total_duration` seconds before. Without a parent snapshot every file is new: that run
 * counts as `full`, later ones as `incremental` (unless `?type=` says otherwise).
 */
export function parseResticOutput(body: string, receivedAt: number): ResticRun | { error: string } {
  const lines: Array<Record<string, unknown>> = [];
  for (const [i, line] of body.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) lines.push(v as Record<string, unknown>);
    } catch {
      return { error: `line ${i + 1}: not JSON — post the standard output of restic backup --json as it is` };
    }
  }
  const summaryLine = [...lines].reverse().find((l) => l.message_type === 'summary');
  const errors = lines.filter((l) => l.message_type === 'error' || l.message_type === 'exit_error');
  const finishedAt = new Date(receivedAt).toISOString();
  if (!summaryLine) {
    if (!errors.length) return { error: 'no "summary" line: post the complete output of restic backup --json' };
    const last = errors[errors.length - 1]!;
    const message = typeof last.message === 'string' ? last.message : JSON.stringify(last.error ?? last);
    return { status: 'failed', type: 'incremental', startedAt: finishedAt, finishedAt, extra: { error: message, errors: errors.length } };
  }
  const parsed = resticSummarySchema.safeParse(summaryLine);
  if (!parsed.success) return { error: `summary line: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const s = parsed.data;
  const fresh = (s.files_unmodified ?? 0) === 0 && (s.dirs_unmodified ?? 0) === 0;
  return {
    status: 'success',
    type: fresh ? 'full' : 'incremental',
    startedAt: new Date(receivedAt - Math.round(s.total_duration * 1000)).toISOString(),
    finishedAt,
    bytes: s.total_bytes_processed,
    snapshotId: s.snapshot_id,
    extra: {
      snapshotId: s.snapshot_id,
      dataAdded: s.data_added,
      filesProcessed: s.total_files_processed,
      durationSeconds: s.total_duration,
      ...(errors.length ? { errors: errors.length } : {}),
    },
  };
}
