import { keys } from '../../core/keys.js';
import { sameSystem } from '../../core/systems.js';
import type { Write } from '../../core/store.js';
import { normalizeLocale } from '../../core/i18n.js';
import { conversationKey, userKey } from '../../core/ports.js';
import type { Identity, Role } from '../../core/registry.js';
import type { Actor, ConversationRef, Locale } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import { withLock, type ServiceDeps } from '../deps.js';

export const TOPICS = ['alerts', 'tickets', 'releases', 'digest', 'surveys', 'backups', 'escalations'] as const;
export type Topic = (typeof TOPICS)[number];

/**
 * Topics whose pushes are about one organisation's tickets or systems (or, the digest, about all
 * of them): a conversation bound to a customer organisation receives only its own organisation's.
 * Release notes and survey campaigns are addressed to customers and stay unfiltered here.
 */
const ORG_SCOPED_TOPICS: readonly Topic[] = ['tickets', 'alerts', 'backups', 'escalations', 'digest'];

export interface Subscription {
  topic: Topic;
  /** Only pushes about this system (alerts, tickets, backups); undefined = all. */
  system?: string;
  conversation: ConversationRef;
}

/** A subscription as its topic's list keeps it: with the conversation's language, kept in step by `setLocale`. */
export interface StoredSubscription extends Subscription {
  locale?: Locale;
  /**
   * Set when the platform refused a push to this conversation for good (the bot was removed, the
   * channel archived): pushes skip it until an admin subscribes the conversation again.
   */
  broken?: { at: number; error: string };
}

interface UserProfile {
  displayName?: string;
  /** Set with `/aftercare lang`: wins over everything. */
  locale?: Locale;
  /**
   * The platform locale last seen in a payload, for the payloads that carry none (a Slack
   * slash command, a Feishu event, another client of the same person).
   */
  seenLocale?: Locale;
  /** Last customer organisation the user was seen in (for direct chats). */
  org?: string;
  /** The user's direct conversation with the bot, when known. */
  direct?: ConversationRef;
  /** Organisations whose people index (keys.orgPeople) lists the user. */
  seenIn?: string[];
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

  /**
   * Read-modify-write of a topic's subscriber list (one value, so a push reads its audience in one
   * read), one writer at a time; `audit` is written in the same batch.
   */
  async function changeSubscriptions(topic: Topic, change: (list: StoredSubscription[]) => Promise<StoredSubscription[]>, audited: Write[]): Promise<void> {
    await withLock(store, `subs:${topic}`, async () => {
      const list = (await store.get<StoredSubscription[]>(keys.topicSubscribers(topic))) ?? [];
      await store.batch([{ op: 'set', key: keys.topicSubscribers(topic), value: await change(list) }, ...audited]);
    });
  }

  return {
    async identify(actor: Actor, conversation: ConversationRef): Promise<Identity> {
      const user = userKey(actor);
      const convKey = conversationKey(conversation);
      // What was granted to the person under another id of theirs (a Teams 29: id mentioned before their aadObjectId was known).
      const aliasKeys = (actor.aliases ?? []).map((a) => userKey({ platform: actor.platform, id: a }));
      // One read for everything identity needs.
      const [storedRole, binding, stored, convLocale, ...aliasRoles] = await store.getMany<unknown>([keys.role(user), keys.binding(convKey), keys.userProfile(user), keys.channelLocale(convKey), ...aliasKeys.map((a) => keys.role(a))]);
      const roleHeld = (storedRole ?? aliasRoles.find((r) => r !== undefined)) as Role | undefined;
      const granted: Role | undefined = config.admins.includes(user) || aliasKeys.some((a) => config.admins.includes(a)) ? 'admin' : roleHeld;
      const prof = (stored as UserProfile | undefined) ?? {};
      const platformLocale = normalizeLocale(actor.locale);
      const locale = prof.locale ?? (convLocale as Locale | undefined) ?? platformLocale ?? prof.seenLocale ?? config.locale;
      let org = binding as string | undefined;
      const changes: Partial<UserProfile> = {};
      if (org && prof.org !== org) changes.org = org;
      if (!binding && conversation.direct) org = prof.org;
      if (conversation.direct && JSON.stringify(prof.direct) !== JSON.stringify(conversation)) changes.direct = { ...conversation, replyTo: undefined };
      if (actor.displayName && prof.displayName !== actor.displayName) changes.displayName = actor.displayName;
      // Remembered for the next payload that names no locale (another client, a Slack slash command).
      if (platformLocale && prof.seenLocale !== platformLocale) changes.seenLocale = platformLocale;
      // A customer seen in an organisation's channel is one of its people (indexed once per person and organisation).
      const joins = binding && !granted && !prof.seenIn?.includes(binding as string) ? (binding as string) : undefined;
      if (joins) changes.seenIn = [...(prof.seenIn ?? []), joins];
      if (Object.keys(changes).length) {
        await store.batch([
          { op: 'set', key: keys.userProfile(user), value: { ...prof, ...changes } },
          ...(joins ? [{ op: 'zadd' as const, key: keys.orgPeople(joins), member: user, score: deps.now() }] : []),
        ]);
      }
      const role: Role = granted ?? (org ? 'customer' : 'guest');
      // A customer organisation's readers see times in its contract's zone.
      const timezone = org ? (await store.get<{ timezone?: string }>(keys.slaContract(org)))?.timezone : undefined;
      const displayName = actor.displayName ?? prof.displayName;
      return { role, org, locale, ...(timezone ? { timezone } : {}), ...(displayName ? { displayName } : {}) };
    },
    async role(user: string): Promise<Role> {
      return (await grantedRole(user)) ?? 'customer';
    },
    /** The person's user key for any id of theirs (a Teams `29:` id → `teams:<aadObjectId>` once the pair is known). */
    async canonical(user: string): Promise<string> {
      return (await store.get<string>(keys.userAlias(user))) ?? user;
    },
    async setRole(by: string, given: string, role: Role): Promise<void> {
      const user = await this.canonical(given);
      const before = await store.get<Role>(keys.role(user));
      // The holders' index is the access review's list of people to review.
      await store.batch([
        { op: 'set', key: keys.role(user), value: role },
        { op: 'zadd', key: keys.roleHolders(), member: user, score: deps.now() },
        ...audit.entry(by, 'role.set', user, before, role),
      ]);
    },
    /** Withdraws a granted role (and the security grant) at once: the person's next event is a customer's or a guest's. */
    async revokeRole(by: string, user: string, action = 'role.revoked'): Promise<Role | undefined> {
      const before = await store.get<Role>(keys.role(user));
      await store.batch([
        { op: 'delete', key: keys.role(user) },
        { op: 'zrem', key: keys.roleHolders(), member: user },
        { op: 'zrem', key: keys.securityGrants(), member: user },
        ...audit.entry(by, action, user, before, undefined),
      ]);
      return before;
    },
    /** People holding a granted role, with it (the access review's list). */
    async roleHolders(): Promise<Array<{ user: string; role: Role }>> {
      const members = (await store.zrange(keys.roleHolders(), -Infinity, Infinity, { limit: 5000 })).map((m) => m.member);
      const roles = await store.getMany<Role>(members.map((u) => keys.role(u)));
      return members.flatMap((user, i) => (roles[i] ? [{ user, role: roles[i] }] : []));
    },
    /** The language the user set with `/aftercare lang`, if any. */
    async userLocale(user: string): Promise<Locale | undefined> {
      return (await profile(user)).locale;
    },
    /** The language to write to the user in outside a conversation: their setting, else the platform locale last seen. */
    async preferredLocale(user: string): Promise<Locale | undefined> {
      const p = await profile(user);
      return p.locale ?? p.seenLocale;
    },
    /** The language of a push to one person: their setting, else what their platform last reported. */
    async noticeLocale(user: string): Promise<Locale | undefined> {
      const p = await profile(user);
      return p.locale ?? p.seenLocale;
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
      // Remembered with the binding, so pushes to the organisation (survey campaigns) can reach it.
      await store.set(keys.conversation(convKey), conversation);
      await store.zadd(keys.orgs(), org, deps.now());
      await store.zadd(keys.orgChannels(org), convKey, deps.now());
      await audit.record(by, 'org.bind', convKey, before, org, org);
    },
    async orgExists(org: string): Promise<boolean> {
      return (await store.zscore(keys.orgs(), org)) !== undefined;
    },
    /** Every customer organisation bound to a channel. */
    async orgs(): Promise<string[]> {
      return (await store.zrange(keys.orgs(), -Infinity, Infinity)).map((m) => m.member);
    },
    /** The channels bound to `org` (those the bot has seen, so it can post there). */
    async orgConversations(org: string): Promise<ConversationRef[]> {
      const convKeys = (await store.zrange(keys.orgChannels(org), -Infinity, Infinity)).map((m) => m.member);
      const refs = await store.getMany<ConversationRef>(convKeys.map((k) => keys.conversation(k)));
      // A channel bound elsewhere since keeps its old index entry: only those still bound count.
      const bindings = await store.getMany<string>(convKeys.map((k) => keys.binding(k)));
      return refs.filter((r, i): r is ConversationRef => r !== undefined && bindings[i] === org);
    },
    /** People seen in `org`'s channels, with their direct conversation with the bot when known. */
    async orgPeople(org: string): Promise<Array<{ user: string; direct?: ConversationRef }>> {
      const users = (await store.zrange(keys.orgPeople(org), -Infinity, Infinity)).map((m) => m.member);
      const profiles = await store.getMany<UserProfile>(users.map((u) => keys.userProfile(u)));
      return users.map((user, i) => ({ user, direct: profiles[i]?.direct }));
    },
    async orgOf(conversation: ConversationRef): Promise<string | undefined> {
      return store.get<string>(keys.binding(conversationKey(conversation)));
    },
    /**
     * Sets the systems an organisation owns (`/aftercare org <name> systems:a,b`, admins only): the
     * list replaces the previous one, in one batch with its audit entry. This is the only way a
     * system becomes an organisation's: a customer's `system:` is checked against it, never added
     * to it (a customer naming another organisation's system would otherwise read its backups).
     */
    async setOrgSystems(by: string, org: string, systems: string[]): Promise<void> {
      const before = await this.orgSystems(org);
      const wanted = [...new Set(systems)];
      await store.batch([
        ...before.filter((s) => !wanted.some((w) => sameSystem(w, s))).map((member): Write => ({ op: 'zrem', key: keys.orgSystems(org), member })),
        ...wanted.map((member): Write => ({ op: 'zadd', key: keys.orgSystems(org), member, score: 0 })),
        ...audit.entry(by, 'org.systems', org, before, wanted),
      ]);
    },
    /** The systems an organisation owns, as an admin set them (empty for an unknown organisation). */
    async orgSystems(org: string): Promise<string[]> {
      return (await store.zrange(keys.orgSystems(org), -Infinity, Infinity)).map((m) => m.member);
    },
    /**
     * The organisation's system that `name` names, as the organisation's list writes it, or
     * undefined when the organisation does not own such a system.
     */
    async orgSystem(org: string, name: string): Promise<string | undefined> {
      return (await this.orgSystems(org)).find((s) => sameSystem(s, name));
    },
    async setLocale(by: string, target: { user?: string; conversation?: ConversationRef }, locale: Locale): Promise<void> {
      if (target.user) {
        const prof = await profile(target.user);
        await store.set(keys.userProfile(target.user), { ...prof, locale });
        await audit.record(by, 'lang.user', target.user, prof.locale, locale);
      } else if (target.conversation) {
        const k = conversationKey(target.conversation);
        await store.batch([{ op: 'set', key: keys.channelLocale(k), value: locale }, ...audit.entry(by, 'lang.channel', k, undefined, locale)]);
        // The subscriptions of this conversation carry its language: keep them in step.
        for (const topic of TOPICS) {
          await changeSubscriptions(topic, async (list) => list.map((s) => (conversationKey(s.conversation) === k ? { ...s, locale } : s)), []);
        }
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
    /**
     * Marks `topic`'s subscriptions of `conversation` broken; true when they were not already
     * (so the admins are told once).
     */
    async markBroken(conversation: ConversationRef, topic: Topic, error: string): Promise<boolean> {
      const convKey = conversationKey(conversation);
      let changed = false;
      await changeSubscriptions(topic, async (list) =>
        list.map((s) => {
          if (conversationKey(s.conversation) !== convKey || s.broken) return s;
          changed = true;
          return { ...s, broken: { at: deps.now(), error } };
        }),
      audit.entry('aftercare', 'subscription.broken', convKey, undefined, { topic, error }));
      return changed;
    },
    async subscribe(by: string, sub: Subscription): Promise<void> {
      const convKey = conversationKey(sub.conversation);
      // Pushes go to the conversation's top level, whatever thread the command was typed in.
      const { replyTo: _thread, ...conversation } = sub.conversation;
      await changeSubscriptions(sub.topic, async (list) => {
        const locale = await store.get<Locale>(keys.channelLocale(convKey));
        const rest = list.filter((s) => !(conversationKey(s.conversation) === convKey && (s.system === sub.system || sameSystem(s.system, sub.system))));
        return [...rest, { ...sub, conversation, locale }];
      }, audit.entry(by, 'subscribe', convKey, undefined, { topic: sub.topic, system: sub.system }));
    },
    async unsubscribe(by: string, conversation: ConversationRef, topic: Topic): Promise<number> {
      const convKey = conversationKey(conversation);
      let removed = 0;
      await changeSubscriptions(topic, async (list) => {
        const rest = list.filter((s) => conversationKey(s.conversation) !== convKey);
        removed = list.length - rest.length;
        return rest;
      }, audit.entry(by, 'unsubscribe', convKey, { topic }, undefined));
      return removed;
    },
    /** Conversations subscribed to `topic`, filtered by system when given. One entry per conversation. */
    async subscribers(topic: Topic, system?: string): Promise<ConversationRef[]> {
      return (await this.audience(topic, system)).map((a) => a.conversation);
    },
    /**
     * The subscribers of `topic` (as `subscribers`) with each conversation's language setting.
     * For a topic about one organisation's work (`ORG_SCOPED_TOPICS`), a conversation bound to a
     * customer organisation hears only of its own: the item's `org` when it has one (a ticket),
     * else a `system` among its organisation's systems; unbound (staff) conversations hear of all.
     * Checked here, at every push, whatever an admin subscribed: isolation by construction.
     */
    async audience(topic: Topic, system?: string, org?: string): Promise<StoredSubscription[]> {
      const list = (await store.get<StoredSubscription[]>(keys.topicSubscribers(topic))) ?? [];
      const seen = new Set<string>();
      const unique = list.filter((s) => {
        if (s.broken) return false;
        if (s.system !== undefined && system !== undefined && !sameSystem(s.system, system)) return false;
        const k = conversationKey(s.conversation);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      if (!ORG_SCOPED_TOPICS.includes(topic) || unique.length === 0) return unique;
      const bindings = await store.getMany<string>(unique.map((s) => keys.binding(conversationKey(s.conversation))));
      const owned = new Map<string, string[]>();
      const kept: StoredSubscription[] = [];
      for (const [i, sub] of unique.entries()) {
        const bound = bindings[i];
        if (bound === undefined) kept.push(sub);
        else if (org !== undefined) {
          if (bound === org) kept.push(sub);
        } else if (system !== undefined) {
          if (!owned.has(bound)) owned.set(bound, await this.orgSystems(bound));
          if (owned.get(bound)!.some((s) => sameSystem(s, system))) kept.push(sub);
        }
      }
      return kept;
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;
