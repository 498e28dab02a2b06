/** Every key the app uses, built in one place. Values are namespaced `aftercare:` by the store. */
export const keys = {
  /** Sequential ids: SUP-n, ALR-n, SVY-n, FAQ-n, and the playground's message order. */
  seq: (kind: 'SUP' | 'ALR' | 'SVY' | 'FAQ' | 'playground') => `seq:${kind}`,
  ticket: (id: string) => `ticket:${id}`,
  ticketsAll: () => 'idx:tickets:all',
  ticketsOpen: () => 'idx:tickets:open',
  ticketsResolved: () => 'idx:tickets:resolved',
  ticketsOrg: (org: string) => `idx:tickets:org:${org}`,
  ticketsOrgOpen: (org: string) => `idx:tickets:org:${org}:open`,
  ticketsUser: (userKey: string) => `idx:tickets:user:${userKey}`,
  ticketsFixedIn: (version: string) => `idx:tickets:fixed:${version}`,
  alert: (id: string) => `alert:${id}`,
  alertByDedup: (dedupKey: string) => `alert:dedup:${dedupKey}`,
  /** Which members of a grouped alert fire, by their dedup keys. */
  alertMembers: (id: string) => `alert:${id}:members`,
  alertsOpen: () => 'idx:alerts:open',
  alertsAll: () => 'idx:alerts:all',
  release: (version: string) => `release:${version}`,
  releases: () => 'idx:releases',
  /** Claimed by a version's first publication (its announcement and aggregates happen once). */
  releasePublished: (version: string) => `release:published:${version}`,
  backupStatus: (system: string) => `backup:status:${system}`,
  backupSystems: () => 'idx:backup:systems',
  backupJobs: (system: string) => `idx:backup:jobs:${system}`,
  backupJob: (id: string) => `backup:job:${id}`,
  survey: (id: string) => `survey:${id}`,
  surveys: () => 'idx:surveys',
  surveyAnswer: (id: string, userKey: string) => `survey:${id}:answer:${userKey}`,
  surveyAnswered: (id: string, userKey: string) => `survey:${id}:answered:${userKey}`,
  surveyAnswers: (id: string) => `idx:survey:${id}:answers`,
  surveyStats: (id: string) => `agg:survey:${id}`,
  surveyPending: (userKey: string) => `idx:survey:pending:${userKey}`,
  surveyTemplate: (name: string) => `survey:template:${name}`,
  faq: (id: string) => `faq:${id}`,
  /** FAQ entry ids containing a search term (a list, newest last). */
  faqPostings: (term: string) => `faq:postings:${term}`,
  role: (userKey: string) => `role:${userKey}`,
  userProfile: (userKey: string) => `user:${userKey}`,
  conversation: (convKey: string) => `conv:${convKey}`,
  binding: (convKey: string) => `binding:${convKey}`,
  /** A conversation's language, set with `/aftercare lang … channel`. */
  channelLocale: (convKey: string) => `lang:${convKey}`,
  org: (name: string) => `org:${name}`,
  orgs: () => 'idx:orgs',
  orgChannels: (org: string) => `idx:org:${org}:channels`,
  /** Systems an organisation owns (seen on its tickets or declared). */
  orgSystems: (org: string) => `idx:org:${org}:systems`,
  /** A topic's subscriptions (one list, read in one go by every push). */
  topicSubscribers: (topic: string) => `subscribers:${topic}`,
  audit: () => 'idx:audit',
  auditEntry: (id: string) => `audit:${id}`,
  /** Inbound dedupe and the inbox on Redis (SQLite keeps both in its ac_delivery table). */
  delivery: (id: string) => `delivery:${id}`,
  inbox: () => 'idx:inbox',
  inboxItem: (id: string) => `inbox:${id}`,
  pending: (token: string) => `pending:${token}`,
  /** The n-th effect of `kind` made by a delivery (see src/core/effects.ts). */
  effect: (delivery: string, kind: string, n: number) => `effect:${delivery}:${kind}:${n}`,
  /** A step of an effect that claims on its own (an effect's id allocation and its write are two claims). */
  effectStep: (effect: string, step: string) => `${effect}:${step}`,
  /** A replica's heartbeat (multi-replica stores): its pending deliveries are orphans once it expires. */
  instance: (id: string) => `instance:${id}`,
  /** Conversations with queued pushes, scored by when each may send next. */
  outboxConversations: () => 'idx:outbox:conversations',
  /** One conversation's queued push ids, in creation order. */
  outboxQueue: (convKey: string) => `idx:outbox:q:${convKey}`,
  outboxItem: (id: string) => `outbox:${id}`,
  /** Pushes given up on (not retryable, or out of attempts), by when. */
  outboxDead: () => 'idx:outbox:dead',
  /** Hash: dead letters so far per platform (metrics). */
  outboxDeadByPlatform: () => 'agg:outbox:dead',
  outboxLease: (convKey: string) => `outbox:lease:${convKey}`,
  outboxIdem: (key: string) => `outbox:idem:${key}`,
  sentCard: (cardKey: string, convKey: string) => `sent:${cardKey}:${convKey}`,
  /** The latest content of a card in a conversation (the push reads it when it is sent). */
  cardContent: (cardKey: string, convKey: string) => `card:content:${cardKey}:${convKey}`,
  /** Claimed while an update of the card waits in the outbox, so a storm of updates is one push. */
  cardQueued: (cardKey: string, convKey: string) => `card:queued:${cardKey}:${convKey}`,
  timersDue: () => 'idx:timers:due',
  timer: (id: string) => `timer:${id}`,
  timerLease: (id: string) => `timer:lease:${id}`,
  aggDay: (day: string) => `agg:day:${day}`,
  aggOpen: () => 'agg:open',
  /** A rendered digest chart (PNG, base64), served at /charts/<id>.png for a while. */
  chart: (id: string) => `chart:${id}`,
  /** The playground: claimed once its demo channels are set up; its channels' feeds and messages. */
  playgroundSeeded: () => 'playground:seeded',
  playgroundFeed: (channel: string) => `idx:pg:feed:${channel}`,
  playgroundMessage: (id: string) => `pg:msg:${id}`,
  lock: (name: string) => `lock:${name}`,
  hookDelivery: (hook: string, key: string) => `hook:${hook}:${key}`,
  cronRun: (key: string) => `cron:${key}`,
} as const;
