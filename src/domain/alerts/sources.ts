import type { AlertInput, AlertSeverity } from './service.js';
import type { AlertmanagerPayload, NagiosPayload, ZabbixPayload } from './formats.js';

/** Maps each monitoring source's payload to the core's AlertInput (one per alert it reports). */

const CRITICAL = new Set(['critical', 'page', 'disaster', 'high', 'error', 'emergency', 'fatal']);
const WARNING = new Set(['warning', 'warn', 'average', 'major', 'minor']);

/** A source's severity word to ours: unknown words become `info`, never an error. */
export function severityOf(word: string | undefined): AlertSeverity {
  const w = (word ?? '').trim().toLowerCase();
  if (CRITICAL.has(w)) return 'critical';
  if (WARNING.has(w)) return 'warning';
  return 'info';
}

const systemName = (s: string) => s.trim().toLowerCase().replace(/[^\w.-]+/g, '-').slice(0, 64) || 'unknown';

/**
 * Alertmanager: one input per alert. The fingerprint dedupes an alert; the group key (per receiver)
 * groups them into one message. The system comes from the `system` (or `service`) label, else
 * `?system=` on the hook URL, else the `job` label.
 */
export function fromAlertmanager(p: AlertmanagerPayload, fallbackSystem?: string): AlertInput[] {
  return p.alerts.map((a) => {
    const l = { ...p.commonLabels, ...a.labels };
    const ann = { ...p.commonAnnotations, ...a.annotations };
    return {
      source: 'alertmanager',
      system: systemName(l.system ?? l.service ?? fallbackSystem ?? l.job ?? 'unknown'),
      title: l.alertname ?? ann.summary ?? p.groupKey,
      severity: severityOf(l.severity),
      status: a.status,
      dedupKey: `am:${a.fingerprint}`,
      group: `am:${p.receiver}:${p.groupKey}`,
      description: ann.summary ?? ann.description,
      url: a.generatorURL || undefined,
      labels: l,
    };
  });
}

/** Zabbix: the problem event id is the dedup key ({EVENT.ID} is the problem's id in recovery messages too). */
export function fromZabbix(p: ZabbixPayload): AlertInput[] {
  return [
    {
      source: 'zabbix',
      system: systemName(p.system || p.host),
      title: p.trigger,
      severity: severityOf(p.severity),
      status: p.eventValue === '1' ? 'firing' : 'resolved',
      dedupKey: `zabbix:${p.eventId}`,
      description: p.message || undefined,
      url: p.url || undefined,
      labels: { host: p.host, severity: p.severity },
    },
  ];
}

const NAGIOS_STATE: Record<string, AlertSeverity> = { critical: 'critical', down: 'critical', unreachable: 'critical', warning: 'warning', unknown: 'warning' };

/**
 * Nagios: PROBLEM and FLAPPINGSTART fire, RECOVERY resolves; other notification types
 * (ACKNOWLEDGEMENT, DOWNTIME…, CUSTOM) change nothing. Host and service make the dedup key.
 */
export function fromNagios(p: NagiosPayload): AlertInput[] {
  const type = p.type.trim().toUpperCase();
  const status = type === 'RECOVERY' ? 'resolved' : type === 'PROBLEM' || type === 'FLAPPINGSTART' ? 'firing' : undefined;
  if (!status) return [];
  const service = p.service?.trim() || undefined;
  return [
    {
      source: 'nagios',
      system: systemName(p.system || p.host),
      title: service ? `${p.host}: ${service}` : p.host,
      severity: NAGIOS_STATE[p.state.trim().toLowerCase()] ?? 'info',
      status,
      dedupKey: `nagios:${p.host}:${service ?? '(host)'}`,
      description: p.output || undefined,
      url: p.url || undefined,
      labels: { host: p.host, state: p.state, ...(service ? { service } : {}) },
    },
  ];
}

/** Generic JSON: extra fields are kept as labels (strings as they are, anything else as JSON). */
export function fromGeneric(p: Record<string, unknown> & Pick<AlertInput, 'system' | 'title' | 'severity' | 'status' | 'dedupKey' | 'description' | 'url'>): AlertInput[] {
  const { system, title, severity, status, dedupKey, description, url, ...extra } = p;
  const labels = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return [{ source: 'generic', system: systemName(system), title, severity, status, dedupKey: `generic:${dedupKey}`, description, url, labels }];
}
