import { keys } from '../../core/keys.js';
import type { ConversationRef } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import type { ServiceDeps } from '../deps.js';

/**
 * Who speaks for a customer organisation: its UAT approvers (named by an admin with
 * `/aftercare approver <@user>` in the organisation's channel), and the conversations bound to it
 * (where its UAT cards and training invitations go).
 */
export function createOrgPeople(deps: ServiceDeps, audit: AuditLog) {
  const { store, now } = deps;
  return {
    /** Makes `user` (`platform:id`) an approver of `org`; audited. */
    async addApprover(by: string, org: string, user: string): Promise<void> {
      await store.batch([{ op: 'zadd', key: keys.orgApprovers(org), member: user, score: now() }, ...audit.entry(by, 'org.approver_added', org, undefined, user)]);
    },
    /** Whether `user` may answer `org`'s acceptance requests. */
    async isApprover(org: string, user: string): Promise<boolean> {
      return (await store.zscore(keys.orgApprovers(org), user)) !== undefined;
    },
    async approvers(org: string): Promise<string[]> {
      return (await store.zrange(keys.orgApprovers(org), -Infinity, Infinity)).map((m) => m.member);
    },
    /**
     * The conversations bound to `org` that can be posted to (their reference was stored when the
     * binding command came in). One read of the index, one batched read of the references.
     */
    async conversations(org: string): Promise<ConversationRef[]> {
      const members = await store.zrange(keys.orgChannels(org), -Infinity, Infinity);
      const [refs, bindings] = await Promise.all([
        store.getMany<ConversationRef>(members.map((m) => keys.conversation(m.member))),
        store.getMany<string>(members.map((m) => keys.binding(m.member))),
      ]);
      // A channel bound to another organisation since is no longer this one's.
      return refs.filter((r, i): r is ConversationRef => r !== undefined && bindings[i] === org);
    },
  };
}
export type OrgPeople = ReturnType<typeof createOrgPeople>;
