import { z } from 'zod';
import { httpUrl, optionalHttpUrl } from '../../core/urls.js';

/** What monitoring tools send (docs/hooks.md shows each). Unknown fields are kept, never rejected. */

const labels = z.record(z.string(), z.string());

/**
 * Prometheus Alertmanager webhook, version 4 (what `webhook_configs` POSTs), and Grafana's
 * Alertmanager-compatible webhook contact point (the same fields plus `orgId`, `title`, `message`,
 * `state`, with `version` "1").
 */
export const alertmanagerSchema = z.looseObject({
  version: z.enum(['4', '1']),
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
        generatorURL: httpUrl.or(z.literal('')),
        fingerprint: z.string().min(1),
      }),
    )
    .min(1),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerSchema>;

/**
 * What examples/zabbix/aftercare-media-type.yaml sends. `eventValue` is Zabbix's {EVENT.VALUE}: 1
 * problem, 0 recovery; `updateStatus` is {EVENT.UPDATE.STATUS} (1 in a problem-update notification),
 * `updateAction` {EVENT.UPDATE.ACTION} ("acknowledged", "changed severity", "closed"…), `ackStatus`
 * {EVENT.ACK.STATUS} (Yes/No), `nseverity` {EVENT.NSEVERITY} (0–5), `updateUser` {USER.FULLNAME}.
 */
export const zabbixSchema = z.looseObject({
  eventId: z.string().regex(/^\d+$/, 'expected the numeric {EVENT.ID}'),
  eventValue: z.enum(['0', '1']),
  updateStatus: z.enum(['0', '1', '']).optional(),
  updateAction: z.string().optional(),
  ackStatus: z.string().optional(),
  nseverity: z.string().optional(),
  updateUser: z.string().optional(),
  severity: z.string().min(1),
  host: z.string().min(1),
  trigger: z.string().min(1),
  message: z.string().optional(),
  system: z.string().optional(),
  url: optionalHttpUrl,
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
  /** $NOTIFICATIONAUTHOR$ and $NOTIFICATIONCOMMENT$ (acknowledgements, downtimes, custom notifications). */
  author: z.string().optional(),
  comment: z.string().optional(),
  url: optionalHttpUrl,
});
export type NagiosPayload = z.infer<typeof nagiosSchema>;
