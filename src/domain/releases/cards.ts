import { formatTime } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { docLinksLine } from '../docs/cards.js';
import type { DocLink } from '../docs/service.js';
import { personLabel } from '../directory/people.js';
import type { Ticket } from '../tickets/service.js';
import type { Release } from './service.js';
import { missingGates, type Acceptance, type Candidate, type MissingGate } from './validation.js';

/** What a release card shows besides the notes: its validation and the system's manual and runbook. */
export interface ReleaseExtras {
  candidate?: Candidate;
  docs?: DocLink[];
}

export function releaseCard(r: Release, fixed: Ticket[], c: CardContext, extras: ReleaseExtras = {}): OutboundMessage {
  const { t } = c;
  const blocks: Block[] = [{ type: 'context', text: t('release.date', { date: r.date }) }];
  if (r.notes) blocks.push({ type: 'text', text: r.notes });
  if (fixed.length || r.fixed.length) {
    const lines = fixed.length ? fixed.map((f) => `- ${f.id} ${f.title}`) : r.fixed.map((id) => `- ${id}`);
    blocks.push({ type: 'text', text: `**${t('release.fixed')}**\n${lines.join('\n')}` });
  }
  if (extras.candidate) blocks.push(...validationBlocks(extras.candidate, c));
  if (extras.docs?.length) blocks.push({ type: 'context', text: t('release.docs', { links: docLinksLine(extras.docs, c) }) });
  return { text: t('release.summary', { version: r.version, count: r.fixed.length }), card: { title: t('release.title', { version: r.version }), tone: 'success', blocks } };
}

function acceptanceLine(org: string, a: Acceptance, c: CardContext): string {
  const { t } = c;
  const when = a.at ? formatTime(a.at, c.timezone) : '';
  if (a.state === 'approved') return `- ${t('release.uat_approved_by', { org, who: personLabel(a.by ?? '', a.byName), when })}`;
  if (a.state === 'rejected') return `- ${t('release.uat_rejected_by', { org, who: personLabel(a.by ?? '', a.byName), when, reason: a.reason ?? '–' })}`;
  return `- ${t('release.uat_pending', { org })}`;
}

/** The gates of a candidate: its suites' latest runs and each organisation's acceptance. */
function validationBlocks(cand: Candidate, c: CardContext): Block[] {
  const { t } = c;
  const suites = Object.values(cand.suites).sort((a, b) => a.suite.localeCompare(b.suite));
  const suiteLines = suites.length
    ? suites.map((s) => `- ${t('release.suite_line', { suite: s.suite, passed: s.passed, failed: s.failed, skipped: s.skipped })}${s.url ? ` · [CI](${s.url})` : ''}`)
    : [`- ${t('release.no_tests')}`];
  const orgs = Object.keys(cand.uat).sort();
  const uatLines = orgs.length ? orgs.map((o) => acceptanceLine(o, cand.uat[o]!, c)) : [`- ${t('release.uat_none')}`];
  const blocks: Block[] = [
    { type: 'text', text: `**${t('release.tests')}**\n${suiteLines.join('\n')}` },
    { type: 'text', text: `**${t('release.uat')}**\n${uatLines.join('\n')}` },
  ];
  if (cand.override) blocks.push({ type: 'context', text: t('release.overridden', { who: personLabel(cand.override.by), reason: cand.override.reason }) });
  return blocks;
}

/** A localized line per missing gate (the refusal of publication and `/release status`). */
export function missingLines(missing: MissingGate[], c: CardContext): string[] {
  const { t } = c;
  return missing.map((m) => {
    switch (m.gate) {
      case 'tests_missing':
        return `- ${t('release.gate_tests_missing')}`;
      case 'suite_failed':
        return `- ${t('release.gate_suite_failed', { suite: m.suite, failed: m.failed, total: m.total })}${m.failures.length ? ` (${m.failures.slice(0, 3).join(', ')})` : ''}`;
      case 'uat_pending':
        return `- ${t('release.gate_uat_pending', { org: m.org })}`;
      case 'uat_rejected':
        return `- ${t('release.gate_uat_rejected', { org: m.org, reason: m.reason ?? '–' })}`;
    }
  });
}

/** `/release status`: the candidate's gates and what is still missing. */
export function candidateCard(cand: Candidate, c: CardContext): OutboundMessage {
  const { t } = c;
  const missing = missingGates(cand);
  const blocks: Block[] = [
    { type: 'fields', fields: [
      { label: t('field.system'), value: cand.system },
      { label: t('field.status'), value: cand.status === 'published' ? t('release.state_published') : missing.length ? t('release.state_blocked') : t('release.state_ready') },
    ] },
  ];
  if (cand.notes) blocks.push({ type: 'text', text: cand.notes });
  blocks.push(...validationBlocks(cand, c));
  if (cand.status === 'planned' && missing.length) blocks.push({ type: 'text', text: `**${t('release.missing')}**\n${missingLines(missing, c).join('\n')}` });
  const text = cand.status === 'published' ? t('release.status_published', { version: cand.version }) : missing.length ? t('release.status_blocked', { version: cand.version, count: missing.length }) : t('release.status_ready', { version: cand.version });
  return { text, card: { title: t('release.candidate_title', { version: cand.version, system: cand.system }), tone: cand.status === 'published' || !missing.length ? 'success' : 'warning', blocks } };
}

/** The acceptance request an organisation's channel gets: Approve / Reject, answered by its approvers. */
export function uatCard(cand: Candidate, org: string, fixed: Ticket[], c: CardContext): OutboundMessage {
  const { t } = c;
  const a = cand.uat[org] ?? { state: 'pending' };
  const mine = fixed.filter((f) => f.org === org);
  const blocks: Block[] = [{ type: 'text', text: t('release.uat_request', { version: cand.version, system: cand.system, org }) }];
  if (cand.notes) blocks.push({ type: 'text', text: cand.notes });
  if (mine.length) blocks.push({ type: 'text', text: `**${t('release.fixed')}**\n${mine.map((f) => `- ${f.id} ${f.title}`).join('\n')}` });
  blocks.push({ type: 'context', text: acceptanceLine(org, a, c).slice(2) });
  if (a.state === 'pending' && cand.status === 'planned') {
    const value = `${cand.version}|${org}`;
    blocks.push({
      type: 'actions',
      buttons: [
        { actionId: 'release.approve', label: t('release.button_approve'), value, style: 'primary' },
        { actionId: 'release.reject', label: t('release.button_reject'), value, style: 'danger' },
      ],
    });
  }
  const tone = a.state === 'approved' ? 'success' : a.state === 'rejected' ? 'danger' : 'info';
  return { text: t('release.uat_summary', { version: cand.version, system: cand.system, org }), card: { title: t('release.uat_title', { version: cand.version, system: cand.system }), tone, blocks } };
}
