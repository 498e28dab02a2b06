import { keys } from '../../core/keys.js';
import type { Services } from '../index.js';
import type { Ticket } from '../tickets/service.js';
import { releaseCard } from './cards.js';
import type { Release } from './service.js';
import { showUat } from './uat.js';

/**
 * Publishes a release: a planned one only once its gates pass (GatesNotPassedError names what is
 * missing) or an admin overrides them (`force`, audited with its reason). Stores it with the
 * tickets fixed in that version, announces it to `releases` subscribers (with its validation and
 * the system's manual and runbook), tells each reporter whose ticket it fixes, and flags the
 * system's manuals and runbooks not reviewed since the system's previous release.
 * Shared with the releases hook. Idempotent: a publication run again announces and notes nothing twice.
 */
export async function publishRelease(
  services: Services,
  by: string,
  input: { version: string; date?: string; notes?: string; fixed?: string[]; system?: string; force?: { reason: string } },
): Promise<Release> {
  const planned = await services.validation.find(input.version);
  if (planned?.status === 'planned') {
    // Organisations whose tickets were fixed in this version since it was planned are asked too.
    const { candidate, added } = await services.validation.plan(by, { version: input.version, system: planned.system });
    if (added.length) await showUat(services, candidate, added);
  }
  const candidate = await services.validation.gate(by, input.version, input.force);
  const system = input.system ?? candidate?.system;
  const byVersion = (await services.tickets.fixedIn(input.version)).map((t) => t.id);
  const { release } = await services.releases.publish(by, { ...input, system, notes: input.notes ?? (candidate?.notes || undefined), fixed: [...byVersion, ...(input.fixed ?? [])] });
  const tickets = (await Promise.all(release.fixed.map((id) => services.tickets.find(id)))).filter((t): t is Ticket => t !== undefined);
  if (release.system) {
    const previous = (await services.deps.store.zrange(keys.releasesBySystem(release.system), -Infinity, Infinity, { reverse: true, limit: 2 })).find((m) => m.member !== release.version);
    if (previous) await services.docs.flagStale(release.system, release.version, previous.score);
  }
  const docs = await services.docs.links(release.system);
  await services.toSubscribers('releases', undefined, (c) => releaseCard(release, tickets, c, { candidate, docs }), undefined, `release:${release.version}`);
  // Every fixed ticket gets the note once, whichever publication (or re-run of one) gets there first.
  for (const ticket of tickets) await services.tickets.noteRelease(ticket, release.version);
  // The organisations' acceptance cards lose their buttons.
  if (candidate) await showUat(services, candidate);
  return release;
}
