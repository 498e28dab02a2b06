import { AppError } from '../../core/errors.js';
import type { Role } from '../../core/registry.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import type { CardContext } from '../cards.js';
import type { ServiceDeps } from '../deps.js';
import type { DirectNotices } from '../direct.js';
import { personLabel } from './people.js';
import type { Directory } from './service.js';

/**
 * The access review (AFTERCARE_ACCESS_REVIEW_CRON): every admin gets, privately, the list of people
 * holding a granted role with Keep / Revoke per person. Answers are audited; Revoke takes the role
 * away at once (the next event of that person is identified without it). Admins listed in
 * AFTERCARE_ADMINS are configuration, not grants, and are not on the list.
 */
export function createAccessReview(deps: ServiceDeps, audit: AuditLog, directory: Directory, direct: DirectNotices) {
  const { config, log } = deps;

  /** Everyone who reviews: configured admins and people granted the admin role. */
  async function reviewers(): Promise<string[]> {
    const holders = await directory.roleHolders();
    return [...new Set([...config.admins, ...holders.filter((h) => h.role === 'admin').map((h) => h.user)])];
  }

  return {
    reviewers,
    /** Sends the review to every admin, once per schedule slot (`slot`, the tick's ISO time). Returns how many got it. */
    async run(slot: string): Promise<number> {
      const holders = (await directory.roleHolders()).filter((h) => !config.admins.includes(h.user));
      const names = await Promise.all(holders.map((h) => directory.displayName(h.user)));
      let sent = 0;
      for (const admin of await reviewers()) {
        const reached = await direct.toUser(admin, (c) => reviewCard(holders.map((h, i) => ({ ...h, name: names[i] })), c), { idempotencyKey: `review:${slot}:${admin}` });
        if (reached) sent++;
        else log.warn('access review not delivered: the admin never messaged the bot directly', { admin });
      }
      return sent;
    },
    /** Keeps `user`'s role: audited. */
    async keep(by: string, user: string): Promise<Role> {
      const role = await directory.role(user);
      if (!(await directory.roleHolders()).some((h) => h.user === user)) throw new AppError('not_found', 'error.review_not_found');
      await audit.record(by, 'access.keep', user, role, role);
      return role;
    },
    /** Revokes `user`'s role at once: audited. */
    async revoke(by: string, user: string): Promise<Role> {
      const before = await directory.revokeRole(by, user, 'access.revoke');
      if (!before) throw new AppError('not_found', 'error.review_not_found');
      return before;
    },
  };
}
export type AccessReview = ReturnType<typeof createAccessReview>;

/** The review card: one line per person with their role, and Keep / Revoke. */
export function reviewCard(holders: Array<{ user: string; role: Role; name?: string }>, c: CardContext): OutboundMessage {
  const blocks: Block[] = [{ type: 'text', text: c.t(holders.length ? 'review.intro' : 'review.none') }];
  for (const h of holders) {
    blocks.push({ type: 'text', text: `**${personLabel(h.user, h.name)}** · ${h.role}` });
    blocks.push({
      type: 'actions',
      buttons: [
        { actionId: 'aftercare.keep', label: c.t('button.keep'), value: h.user },
        { actionId: 'aftercare.revoke', label: c.t('button.revoke'), value: h.user, style: 'danger' },
      ],
    });
  }
  return { text: c.t('review.title'), card: { title: c.t('review.title'), tone: 'info', blocks } };
}
