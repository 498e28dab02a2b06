import { z } from 'zod';
import type { BackupType } from './service.js';

/**
 * The summary line `restic backup --json` prints last (restic 0.14+). restic 0.17 adds
 * `backup_start` / `backup_end` (RFC 3339 with the host's offset) and leaves `snapshot_id` out when
 * `--skip-if-unchanged` skipped an unchanged run; `--dry-run` adds `"dry_run": true`.
 */
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
  snapshot_id: z.string().min(1).optional(),
  backup_start: z.iso.datetime({ offset: true }).optional(),
  backup_end: z.iso.datetime({ offset: true }).optional(),
  dry_run: z.boolean().optional(),
});

/**
 * restic's exit codes (restic docs, "Scripting → Exit codes"; `backup` since 0.17 for 10–12):
 * 0 success, 1 failed, 3 snapshot written but some source data could not be read, 10 no
 * repository, 11 repository locked, 12 wrong password, 130 interrupted. Any other code is a failure.
 */
export const RESTIC_EXIT: Record<number, string> = {
  1: 'restic failed',
  3: 'some source files could not be read',
  10: 'the repository does not exist',
  11: 'the repository is locked',
  12: 'wrong password',
  130: 'interrupted',
};

export interface ResticRun {
  /** `incomplete`: a snapshot was written without some files (exit 3). */
  status: 'success' | 'failed' | 'incomplete';
  type: BackupType;
  startedAt: string;
  finishedAt: string;
  /** Where the finish time came from: restic's own `backup_end`, or the time the report arrived (restic < 0.17). */
  finishedFrom: 'report' | 'arrival';
  bytes?: number;
  /** The new snapshot; absent for a failed run and for an unchanged run skipped by `--skip-if-unchanged`. */
  snapshotId?: string;
  /** `--skip-if-unchanged` found nothing changed: no new snapshot, the previous one is current. */
  unchanged?: boolean;
  /** Why a run is not a success, as restic said it. */
  reason?: string;
  /** Kept with the stored report. */
  extra: Record<string, unknown>;
}

/** What a restic run printed, read line by line: its JSON messages and any plain-text stderr lines. */
interface Output {
  json: Array<Record<string, unknown>>;
  text: string[];
}

function readOutput(body: string): Output {
  const out: Output = { json: [], text: [] };
  for (const line of body.split(/\r?\n/)) {
    const t = line.trim();
    if (!t) continue;
    if (t.startsWith('{')) {
      try {
        const v = JSON.parse(t) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          out.json.push(v as Record<string, unknown>);
          continue;
        }
      } catch {
        // Not JSON after all: stderr text that starts with a brace.
      }
    }
    out.text.push(t);
  }
  return out;
}

/** One `error` message of `restic backup --json`: `{"message_type":"error","error":{"Op","Path","Err"}|{"message"},"during","item"}`. */
function describeError(e: Record<string, unknown>): string {
  const err = e.error as Record<string, unknown> | string | undefined;
  const item = typeof e.item === 'string' ? e.item : typeof (err as Record<string, unknown> | undefined)?.Path === 'string' ? String((err as Record<string, unknown>).Path) : undefined;
  const what = typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : err?.Err === 13 ? 'permission denied' : err?.Op ? `${String(err.Op)} failed` : 'error';
  return item ? `${item}: ${what}` : what;
}

/**
 * Reads what `restic backup --json` printed — stdout alone, or stdout and stderr merged (`2>&1`),
 * with the exit code when the sender passes it — and says how the run went:
 * - a `summary` line: a snapshot was written. With exit 3, `error` lines, a status `error_count`, or restic's "Warning: at
 *   least one source file could not be read", it is `incomplete`; with `dry_run` it is refused (no
 *   snapshot was written); without `snapshot_id` it is an unchanged run (`--skip-if-unchanged`);
 * - no summary: the run failed; the reason is restic's `exit_error` message, its "Fatal: …" line,
 *   its last error, or the exit code's meaning. An empty body is a failed run too (restic prints
 *   nothing on stdout when it stops before backing up, e.g. on a wrong password);
 * - no summary, no error, exit 0 or unknown, but status lines: the output was cut off, refused.
 * The finish time is the summary's `backup_end` (restic 0.17+), else the arrival time.
 * Without a parent snapshot every file is new: that run counts as `full`, later ones as `incremental`.
 */
export function parseResticOutput(body: string, receivedAt: number, exitCode?: number): ResticRun | { error: string } {
  const { json, text } = readOutput(body);
  const summaryLine = [...json].reverse().find((l) => l.message_type === 'summary');
  const errors = json.filter((l) => l.message_type === 'error');
  const exitError = json.find((l) => l.message_type === 'exit_error');
  const code = exitCode ?? (typeof exitError?.code === 'number' ? exitError.code : undefined);
  // restic counts unreadable files in its status lines too (`error_count`), on stdout, while the error lines themselves go to stderr.
  const statusErrors = json.reduce((n, l) => (l.message_type === 'status' && typeof l.error_count === 'number' ? Math.max(n, l.error_count) : n), 0);
  const fatal = text.find((l) => /^fatal:/i.test(l));
  const unreadable = text.some((l) => /could not be read/i.test(l));
  const arrival = new Date(receivedAt).toISOString();

  if (!summaryLine) {
    const statusOnly = json.length > 0 && !errors.length && !exitError && !fatal && !text.length;
    if (code === 0 || (code === undefined && statusOnly)) return { error: 'no "summary" line: post the complete output of restic backup --json' };
    if (json.length === 0 && text.length > 0 && !fatal && code === undefined)
      return { error: `line 1: neither restic JSON nor a restic error — post the output of restic backup --json (2>&1 keeps its errors)` };
    const reason =
      (typeof exitError?.message === 'string' ? exitError.message.replace(/^fatal:\s*/i, '') : undefined) ??
      fatal?.replace(/^fatal:\s*/i, '') ??
      (errors.length ? describeError(errors[errors.length - 1]!) : undefined) ??
      (code !== undefined ? (RESTIC_EXIT[code] ?? `restic exited with code ${code}`) : 'restic printed nothing: it stopped before backing up (send its stderr too: 2>&1)');
    return {
      status: 'failed',
      type: 'incremental',
      startedAt: arrival,
      finishedAt: arrival,
      finishedFrom: 'arrival',
      reason,
      extra: { reason, ...(code !== undefined ? { exitCode: code } : {}), ...(errors.length ? { errors: errors.length } : {}) },
    };
  }
  const parsed = resticSummarySchema.safeParse(summaryLine);
  if (!parsed.success) return { error: `summary line: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const s = parsed.data;
  if (s.dry_run) return { error: 'summary line: dry_run is true — a restic --dry-run writes no snapshot, so it is not a backup' };
  const finishedMs = s.backup_end ? Date.parse(s.backup_end) : receivedAt;
  const startedMs = s.backup_start ? Date.parse(s.backup_start) : finishedMs - Math.round(s.total_duration * 1000);
  const incomplete = code === 3 || unreadable || errors.length > 0 || statusErrors > 0;
  const failed = code !== undefined && code !== 0 && code !== 3;
  const reason = failed
    ? (RESTIC_EXIT[code] ?? `restic exited with code ${code}`)
    : incomplete
      ? // restic's own words where it gave them (the first unreadable path, its warning), shown as they are.
        errors.length
        ? `${describeError(errors[0]!)}${errors.length > 1 ? ` (+${errors.length - 1})` : ''}`
        : (text.find((l) => /could not be read/i.test(l)) ?? `${RESTIC_EXIT[3]}${statusErrors ? ` (${statusErrors})` : ''}`)
      : undefined;
  const fresh = (s.files_unmodified ?? 0) === 0 && (s.dirs_unmodified ?? 0) === 0;
  return {
    status: failed ? 'failed' : incomplete ? 'incomplete' : 'success',
    type: fresh ? 'full' : 'incremental',
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    finishedFrom: s.backup_end ? 'report' : 'arrival',
    bytes: s.total_bytes_processed,
    snapshotId: s.snapshot_id,
    ...(s.snapshot_id ? {} : { unchanged: true }),
    ...(reason ? { reason } : {}),
    extra: {
      ...(s.snapshot_id ? { snapshotId: s.snapshot_id } : { unchanged: true }),
      dataAdded: s.data_added,
      filesProcessed: s.total_files_processed,
      durationSeconds: s.total_duration,
      ...(errors.length ? { errors: errors.length } : {}),
      ...(code !== undefined ? { exitCode: code } : {}),
      ...(reason ? { reason } : {}),
    },
  };
}
