import type { Services } from '../index.js';
import type { Ticket } from '../tickets/service.js';
import { uatCard } from './cards.js';
import type { Candidate } from './validation.js';

/** The live UAT card of an organisation for a version, one per conversation (updated in place when answered or published). */
export const uatCardKey = (version: string, org: string) => `uat:${version}:${org}`;

/**
 * Posts (or updates in place) the UAT card of each of `orgs` in that organisation's own
 * conversations only, so no organisation sees another's acceptance request.
 */
export async function showUat(services: Services, cand: Candidate, orgs: string[] = Object.keys(cand.uat)): Promise<void> {
  const fixed = (await services.tickets.fixedIn(cand.version)) satisfies Ticket[];
  for (const org of orgs) {
    for (const conv of await services.orgPeople.conversations(org)) {
      await services.toConversation(conv, (c) => uatCard(cand, org, fixed, c), { cardKey: uatCardKey(cand.version, org) });
    }
  }
}
