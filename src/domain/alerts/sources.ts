import { systemFromSource } from '../../core/systems.js';
import type { AlertInput, AlertSeverity, GroupView } from './service.js';
import type { AlertmanagerPayload, NagiosPayload, ZabbixPayload } from './formats.js';

/** Maps each monitoring source's payload to the core's AlertInput (one per alert it reports). */

/**
 * Severity words of the tools we take alerts from, in English and Chinese: Zabbix's six levels
 * (Disaster 灾难, High 严重, Average 一般严重, Warning 警告, Information 信息, Not classified 未分类 —
 * the names its Chinese UI shows and that {EVENT.SEVERITY} carries when a site renames them),
 * Prometheus conventions (critical, page, warning…), syslog-style words.
 */
const CRITICAL = new Set(['critical', 'crit', 'page', 'disaster', 'high', 'error', 'emergency', 'emerg', 'alert', 'fatal', 'p1', '灾难', '严重', '紧急', '致命', '危急']);
const WARNING = new Set(['warning', 'warn', 'average', 'major', 'minor', 'p2', 'p3', '一般严重', '警告', '一般', '次要', '主要']);

/** Zabbix's numeric severities ({EVENT.NSEVERITY}: 0 not classified … 5 disaster), which no renaming changes. */
const ZABBIX_NSEVERITY: Record<string, AlertSeverity> = { '5': 'critical', '4': 'critical', '3': 'warning', '2': 'warning', '1': 'info', '0': 'info' };

const INFO = new Set(['info', 'information', 'informational', 'notice', 'low', 'none', 'not classified', 'p4', 'p5', '信息', '未分类', '提示', '通知']);

/** A severity word we know (NFKC, case-insensitive, English or Chinese) to ours; `undefined` for any other word. */
export function knownSeverity(word: string | undefined): AlertSeverity | undefined {
  const w = (word ?? '').normalize('NFKC').trim().toLowerCase();
  if (CRITICAL.has(w)) return 'critical';
  if (WARNING.has(w)) return 'warning';
  if (INFO.has(w)) return 'info';
  return undefined;
}

/** A source's severity word to ours: unknown words become `info`, never an error (a monitoring tool's alert is never refused for its wording). */
export function severityOf(word: string | undefined): AlertSeverity {
  return knownSeverity(word) ?? 'info';
}

/**
 * Alertmanager (and Grafana's compatible webhook): one input per alert listed, and what the
 * notification shows of its group. The fingerprint names a member; the receiver and group key name
 * the group (one ALR). Alertmanager computes the notification's `status` from the alerts it kept
 * after `max_alerts`, so only each alert's own status is trusted. The system comes from the `system`
 * (or `service`) label, else `?system=` on the hook URL, else the `job` label.
 */
export function fromAlertmanager(p: AlertmanagerPayload, fallbackSystem?: string): { inputs: AlertInput[]; view: GroupView } {
  const inputs = p.alerts.map((a): AlertInput => {
    const l = { ...p.commonLabels, ...a.labels };
    const ann = { ...p.commonAnnotations, ...a.annotations };
    return {
      source: 'alertmanager',
      system: systemFromSource(l.system ?? l.service ?? fallbackSystem ?? l.job),
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
  return { inputs, view: { truncated: p.truncatedAlerts ?? 0 } };
}

/**
 * Zabbix, as examples/zabbix/aftercare-media-type.yaml sends it: a problem ({EVENT.VALUE} 1), a
 * problem update ({EVENT.UPDATE.STATUS} 1: acknowledge, severity change, message, close) and a
 * recovery ({EVENT.VALUE} 0). The problem's {EVENT.ID} names the alert in all three. An update's
 * severity is the problem's current one, so a severity change simply wins as the latest report.
 */
export function fromZabbix(p: ZabbixPayload): AlertInput[] {
  const update = p.updateStatus === '1';
  const action = (p.updateAction ?? '').toLowerCase();
  // {EVENT.UPDATE.ACTION} lists what was done ("acknowledged", "changed severity…", "closed"); Chinese front ends show 确认 / 关闭.
  const closed = update && /\bclosed\b|关闭/.test(action);
  const acked = update && (['yes', '是'].includes((p.ackStatus ?? '').trim().toLowerCase()) || /(^|[^n])acknowledged|(^|[^取消])确认/.test(action));
  return [
    {
      source: 'zabbix',
      system: systemFromSource(p.system || p.host),
      title: p.trigger,
      severity: (p.nseverity && ZABBIX_NSEVERITY[p.nseverity]) || severityOf(p.severity),
      status: p.eventValue === '0' || closed ? 'resolved' : 'firing',
      dedupKey: `zabbix:${p.eventId}`,
      description: p.message || undefined,
      url: p.url || undefined,
      labels: { host: p.host, severity: p.severity },
      ...(acked && !closed ? { ackBy: p.updateUser || 'zabbix' } : {}),
    },
  ];
}

const NAGIOS_STATE: Record<string, AlertSeverity> = { critical: 'critical', down: 'critical', unreachable: 'critical', warning: 'warning', unknown: 'warning' };
/** Icinga 2's notification types that Nagios names differently (after upper-casing). */
const ICINGA2_TYPES: Record<string, string> = { FLAPPINGEND: 'FLAPPINGSTOP', DOWNTIMEREMOVED: 'DOWNTIMECANCELLED' };

/** States that mean "nothing wrong" (service OK, host UP). */
const NAGIOS_OK = new Set(['ok', 'up']);

/**
 * Nagios / Icinga / Naemon ($NOTIFICATIONTYPE$), host and service alike (host + service name the alert):
 * - PROBLEM: the state now (fires, or updates severity and output);
 * - RECOVERY: resolves;
 * - ACKNOWLEDGEMENT: acknowledges ours (stops its escalation);
 * - FLAPPINGSTART: like PROBLEM while the state is bad; in an OK state it opens nothing;
 * - FLAPPINGSTOP, FLAPPINGDISABLED: resolve when the state is OK, else only refresh the output;
 * - DOWNTIMESTART: planned work: acknowledges (no escalation during it);
 * - DOWNTIMEEND, DOWNTIMECANCELLED, CUSTOM: refresh the output of an open alert; open nothing.
 * Icinga 2's FlappingEnd and DowntimeRemoved are FLAPPINGSTOP and DOWNTIMECANCELLED.
 * Unknown types are ignored (empty list).
 */
export function fromNagios(p: NagiosPayload): AlertInput[] {
  const type = p.type.trim().toUpperCase().replace(/[\s_-]+/g, '');
  const state = p.state.trim().toLowerCase();
  const ok = NAGIOS_OK.has(state);
  const service = p.service?.trim() || undefined;
  const base = {
    source: 'nagios' as const,
    system: systemFromSource(p.system || p.host),
    title: service ? `${p.host}: ${service}` : p.host,
    severity: NAGIOS_STATE[state] ?? 'info',
    dedupKey: `nagios:${p.host}:${service ?? '(host)'}`,
    description: p.output || undefined,
    url: p.url || undefined,
    labels: { host: p.host, state: p.state, ...(service ? { service } : {}) },
  };
  const report = (status: 'firing' | 'resolved', kind: AlertInput['kind'] = 'state', ackBy?: string): AlertInput[] => [{ ...base, status, kind, ...(ackBy ? { ackBy } : {}) }];
  // Icinga 2 writes the same types in its own words: Problem, FlappingEnd, DowntimeRemoved…
  switch (ICINGA2_TYPES[type] ?? type) {
    case 'PROBLEM':
      return ok ? report('resolved') : report('firing');
    case 'RECOVERY':
      return report('resolved');
    case 'ACKNOWLEDGEMENT':
      return report('firing', 'ack', p.author || 'nagios');
    case 'FLAPPINGSTART':
      return ok ? report('firing', 'note') : report('firing');
    case 'FLAPPINGSTOP':
    case 'FLAPPINGDISABLED':
      return ok ? report('resolved') : report('firing', 'note');
    case 'DOWNTIMESTART':
      return report('firing', 'ack', `downtime${p.author ? ` (${p.author})` : ''}`);
    case 'DOWNTIMEEND':
    case 'DOWNTIMECANCELLED':
    case 'CUSTOM':
      return report('firing', 'note');
    default:
      return [];
  }
}

/** Generic JSON: `status` per `dedupKey` is the state now; extra fields are kept as labels (strings as they are, anything else as JSON). */
export function fromGeneric(p: Record<string, unknown> & Pick<AlertInput, 'system' | 'title' | 'severity' | 'status' | 'dedupKey' | 'description' | 'url'>): AlertInput[] {
  const { system, title, severity, status, dedupKey, description, url, ...extra } = p;
  const labels = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return [{ source: 'generic', system: systemFromSource(system), title, severity, status, dedupKey: `generic:${dedupKey}`, description, url, labels }];
}
