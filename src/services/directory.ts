import { keys } from '../core/keys.js';
import { normalizeLocale } from '../core/i18n.js';
import { conversationKey, userKey } from '../core/ports.js';
import type { Identity, Role } from '../core/registry.js';
import type { Actor, ConversationRef, Locale } from '../core/types.js';
import type { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';

export const TOPICS = ['alerts', 'tickets', 'releases', 'digest', 'surveys', 'backups', 'escalations'] as const;
export type Topic = (typeof TOPICS)[number];

export interface Subscription {
  topic: Topic;
  /** Only pushes about this system (alerts, tickets, backups); undefined = all. */
  system?: string;
  conversation: ConversationRef;
}

interface UserProfile {
  displayName?: string;
  locale?: Locale;
  /** Last customer organisation the user was seen in (for direct chats). */
  org?: string;
  /** The user's direct conversation with the bot, when known. */
  direct?: ConversationRef;
}

/**
 * People, organisations and channels: roles, organisation bindings, language settings,
 * subscriptions, and the identity of an actor in a conversation.
 */
export function createDirectory(deps: ServiceDeps, audit: AuditLog) {
  const { store, config } = deps;

  async function profile(user: string): Promise<UserProfile> {
    return (await store.get<UserProfile>(keys.userProfile(user))) ?? {};
  }

  async function grantedRole(user: string): Promise<Role | undefined> {
    if (config.admins.includes(user)) return 'admin';
    return store.get<Role>(keys.role(user));
  }

  return {
    async identify(actor: Actor, conversation: ConversationRef): Promise<Identity> {
      const user = userKey(actor);
      const convKey = conversationKey(conversation);
      // One read for everything identity needs.
      const [storedRole, binding, stored, convLocale] = await store.getMany<unknown>([keys.role(user), keys.binding(convKey), keys.userProfile(user), keys.channelLocale(convKey)]);
      const granted: Role | undefined = config.admins.includes(user) ? 'admin' : (storedRole as Role | undefined);
      const prof = (stored as UserProfile | undefined) ?? {};
      const locale = prof.locale ?? (convLocale as Locale | undefined) ?? normalizeLocale(actor.locale) ?? config.locale;
      let org = binding as string | undefined;
      const changes: Partial<UserProfile> = {};
      if (org && prof.org !== org) changes.org = org;
      if (!binding && conversation.direct) org = prof.org;
      if (conversation.direct && JSON.stringify(prof.direct) !== JSON.stringify(conversation)) changes.direct = conversation;
      if (actor.displayName && prof.displayName !== actor.displayName) changes.displayName = actor.displayName;
      if (Object.keys(changes).length) await store.set(keys.userProfile(user), { ...prof, ...changes });
      const role: Role = granted ?? (org ? 'customer' : 'guest');
      return { role, org, locale };
    },
    async role(user: string): Promise<Role> {
      return (await grantedRole(user)) ?? 'customer';
    },
    async setRole(by: string, user: string, role: Role): Promise<void> {
      const before = await store.get<Role>(keys.role(user));
      await store.set(keys.role(user), role);
      await audit.record(by, 'role.set', user, before, role);
    },
    async userLocale(user: string): Promise<Locale | undefined> {
      return (await profile(user)).locale;
    },
    async displayName(user: string): Promise<string> {
      return (await profile(user)).displayName ?? user.split(':').slice(1).join(':');
    },
    async directConversation(user: string): Promise<ConversationRef | undefined> {
      return (await profile(user)).direct;
    },
    async bindOrg(by: string, conversation: ConversationRef, org: string): Promise<void> {
      const convKey = conversationKey(conversation);
      const before = await store.get<string>(keys.binding(convKey));
      await store.set(keys.binding(convKey), org);
      await store.zadd(keys.orgs(), org, deps.now());
      await store.zadd(`idx:org:${org}:channels`, convKey, deps.now());
      await audit.record(by, 'org.bind', convKey, before, org);
    },
    async orgOf(conversation: ConversationRef): Promise<string | undefined> {
      return store.get<string>(keys.binding(conversationKey(conversation)));
    },
    /** Systems an organisation owns (seen on its tickets or declared), for backup visibility. */
    async addOrgSystem(org: string, system: string): Promise<void> {
      await store.zadd(`idx:org:${org}:systems`, system, 0);
    },
    async orgSystems(org: string): Promise<string[]> {
      return (await store.zrange(`idx:org:${org}:systems`, -Infinity, Infinity)).map((m) => m.member);
    },
    async setLocale(by: string, target: { user?: string; conversation?: ConversationRef }, locale: Locale): Promise<void> {
      if (target.user) {
        const prof = await profile(target.user);
        await store.set(keys.userProfile(target.user), { ...prof, locale });
        await audit.record(by, 'lang.user', target.user, prof.locale, locale);
      } else if (target.conversation) {
        const k = conversationKey(target.conversation);
        await store.set(keys.channelLocale(k), locale);
        await audit.record(by, 'lang.channel', k, undefined, locale);
      }
    },
    /** The language set for a conversation with `/aftercare lang <en|zh> channel`, if any. */
    async channelLocale(conversation: ConversationRef): Promise<Locale | undefined> {
      return store.get<Locale>(keys.channelLocale(conversationKey(conversation)));
    },
    /** The language pushes to a conversation use: its setting, else the deployment default. */
    async conversationLocale(conversation: ConversationRef): Promise<Locale> {
      return (await store.get<Locale>(keys.channelLocale(conversationKey(conversation)))) ?? config.locale;
    },
    async subscribe(by: string, sub: Subscription): Promise<void> {
      const convKey = conversationKey(sub.conversation);
      const member = `${convKey}|${sub.system ?? '*'}`;
      await store.set(`${keys.subscription(convKey)}:${sub.topic}:${sub.system ?? '*'}`, sub);
      await store.zadd(keys.subscribers(sub.topic), member, deps.now());
      await audit.record(by, 'subscribe', convKey, undefined, { topic: sub.topic, system: sub.system });
    },
    async unsubscribe(by: string, conversation: ConversationRef, topic: Topic): Promise<number> {
      const convKey = conversationKey(conversation);
      const members = await store.zrange(keys.subscribers(topic), -Infinity, Infinity);
      let removed = 0;
      for (const { member } of members.filter((m) => m.member.startsWith(`${convKey}|`))) {
        await store.zrem(keys.subscribers(topic), member);
        await store.delete(`${keys.subscription(convKey)}:${topic}:${member.split('|')[1]}`);
        removed++;
      }
      if (removed) await audit.record(by, 'unsubscribe', convKey, { topic }, undefined);
      return removed;
    },
    /** Conversations subscribed to `topic`, filtered by system when given. One entry per conversation. */
    async subscribers(topic: Topic, system?: string): Promise<ConversationRef[]> {
      return (await this.audience(topic, system)).map((a) => a.conversation);
    },
    /**
     * The subscribers of `topic` (as `subscribers`) with each conversation's language setting, read
     * together: what a push to all of them needs.
     */
    async audience(topic: Topic, system?: string): Promise<Array<{ conversation: ConversationRef; locale?: Locale }>> {
      const members = await store.zrange(keys.subscribers(topic), -Infinity, Infinity);
      const wanted = members
        .filter((m) => {
          const sys = m.member.split('|')[1];
          return sys === '*' || system === undefined || sys === system;
        })
        .map((m) => m.member.split('|') as [string, string]);
      const values = await store.getMany<unknown>([
        ...wanted.map(([convKey, sys]) => `${keys.subscription(convKey)}:${topic}:${sys}`),
        ...wanted.map(([convKey]) => keys.channelLocale(convKey)),
      ]);
      const seen = new Set<string>();
      const out: Array<{ conversation: ConversationRef; locale?: Locale }> = [];
      wanted.forEach((_, i) => {
        const sub = values[i] as Subscription | undefined;
        if (!sub) return;
        const k = conversationKey(sub.conversation);
        if (seen.has(k)) return;
        seen.add(k);
        out.push({ conversation: sub.conversation, locale: values[wanted.length + i] as Locale | undefined });
      });
      return out;
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;
