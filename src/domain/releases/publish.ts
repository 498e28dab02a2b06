import type { Services } from '../index.js';
import type { Ticket } from '../tickets/service.js';
import { releaseCard } from './cards.js';
import type { Release } from './service.js';

/**
 * Publishes a release: stores it with the tickets fixed in that version, announces it to `releases`
 * subscribers, and tells each reporter whose ticket it fixes. Shared with the releases hook.
 * Idempotent: a publication run again announces and notes nothing twice.
 */
export async function publishRelease(
  services: Services,
  by: string,
  input: { version: string; date?: string; notes?: string; fixed?: string[] },
): Promise<Release> {
  const byVersion = (await services.tickets.fixedIn(input.version)).map((t) => t.id);
  const { release } = await services.releases.publish(by, { ...input, fixed: [...byVersion, ...(input.fixed ?? [])] });
  const tickets = (await Promise.all(release.fixed.map((id) => services.tickets.find(id)))).filter((t): t is Ticket => t !== undefined);
  await services.toSubscribers('releases', undefined, (c) => releaseCard(release, tickets, c), undefined, `release:${release.version}`);
  // Every fixed ticket gets the note once, whichever publication (or re-run of one) gets there first.
  for (const ticket of tickets) await services.tickets.noteRelease(ticket, release.version);
  return release;
}
