import { z } from 'zod';

/** Wire formats the hooks accept (docs/hooks.md shows each). Unknown fields are kept, never rejected. */

const labels = z.record(z.string(), z.string());
const isoTime = z.iso.datetime({ offset: true });

/** Prometheus Alertmanager webhook, version 4 (what `webhook_configs` POSTs). */
export const alertmanagerSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string(),
  alerts: z
    .array(
      z.looseObject({
        status: z.enum(['firing', 'resolved']),
        labels: labels,
        annotations: labels,
        startsAt: z.string(),
        endsAt: z.string(),
        generatorURL: z.string(),
        fingerprint: z.string().min(1),
      }),
    )
    .min(1),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerSchema>;

/** What examples/zabbix/aftercare-media-type.yaml sends. `eventValue` is Zabbix's {EVENT.VALUE}: 1 problem, 0 recovery. */
export const zabbixSchema = z.looseObject({
  eventId: z.string().regex(/^\d+$/, 'expected the numeric {EVENT.ID}'),
  eventValue: z.enum(['0', '1']),
  severity: z.string().min(1),
  host: z.string().min(1),
  trigger: z.string().min(1),
  message: z.string().optional(),
  system: z.string().optional(),
  url: z.string().optional(),
});
export type ZabbixPayload = z.infer<typeof zabbixSchema>;

/** What examples/nagios/aftercare-notify.sh sends (form-encoded or JSON). */
export const nagiosSchema = z.looseObject({
  type: z.string().min(1),
  host: z.string().min(1),
  service: z.string().optional(),
  state: z.string().min(1),
  output: z.string().optional(),
  system: z.string().optional(),
  url: z.string().optional(),
});
export type NagiosPayload = z.infer<typeof nagiosSchema>;

/** The generic alert. */
export const genericAlertSchema = z.looseObject({
  system: z.string().min(1),
  title: z.string().min(1),
  severity: z.enum(['critical', 'warning', 'info']),
  status: z.enum(['firing', 'resolved']),
  dedupKey: z.string().min(1),
  description: z.string().optional(),
  url: z.string().optional(),
});

/** The generic backup job report. */
export const backupSchema = z.looseObject({
  system: z.string().min(1),
  type: z.enum(['full', 'incremental', 'differential']),
  status: z.enum(['success', 'failed']),
  startedAt: isoTime,
  finishedAt: isoTime,
  bytes: z.number().int().nonnegative().optional(),
  location: z.string().optional(),
  restoreTest: z.boolean().optional(),
});

/** Query of /hooks/backups/restic. */
export const resticQuerySchema = z.object({
  system: z.string().regex(/^[\w.-]{1,64}$/, 'expected ?system=<name>'),
  type: z.enum(['full', 'incremental', 'differential']).optional(),
  location: z.string().optional(),
});

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

/** A release from CI. */
export const releaseSchema = z.looseObject({
  version: z.string().regex(/^[\w.+-]{1,64}$/, 'expected a version such as 1.4.2'),
  date: z.string().optional(),
  notes: z.string(),
  fixed: z.array(z.string().regex(/^sup-\d+$/i, 'expected ticket ids such as SUP-12')).optional(),
});

/** One line naming each problem, e.g. `alerts.0.fingerprint: Invalid input: expected string, received undefined`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
}
