/** Every key the app uses, built in one place. Values are namespaced `aftercare:` by the store. */
export const keys = {
  /** Sequential ids: SUP-n, ALR-n, SVY-n, FAQ-n, and the playground's message order. */
  seq: (kind: 'SUP' | 'ALR' | 'SVY' | 'FAQ' | 'DOC' | 'TRN' | 'IMP' | 'SEC' | 'playground') => `seq:${kind}`,
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
  /** Every alert of one system (by its matching form, src/core/systems.ts), newest last. */
  alertsBySystem: (systemKey: string) => `idx:alerts:sys:${systemKey}`,
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
  /** Another id of a person on the same platform (a Teams `29:` id) → their user key (`teams:<aadObjectId>`). */
  userAlias: (aliasKey: string) => `alias:${aliasKey}`,
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
  /** The conversations that show a ticket's or alert's live card (member: conversation key, score: when first shown). */
  liveCopies: (cardKey: string) => `idx:live:${cardKey}`,
  /** One conversation's copy of a live card: where it is and for whom it is built. */
  liveCopy: (cardKey: string, convKey: string) => `live:${cardKey}:${convKey}`,
  timersDue: () => 'idx:timers:due',
  timer: (id: string) => `timer:${id}`,
  timerLease: (id: string) => `timer:lease:${id}`,
  aggDay: (day: string) => `agg:day:${day}`,
  aggOpen: () => 'agg:open',
  /** A rendered digest chart (PNG, base64), served at /charts/<id>.png for a while. */
  chart: (id: string) => `chart:${id}`,
  /** A stored image's key on a platform that hosts uploaded images itself (Feishu img_key), per image content. */
  uploadedImage: (platform: string, id: string) => `image:uploaded:${platform}:${id}`,
  /** The playground: claimed once its demo channels are set up; its channels' feeds and messages. */
  playgroundSeeded: () => 'playground:seeded',
  playgroundFeed: (channel: string) => `idx:pg:feed:${channel}`,
  playgroundMessage: (id: string) => `pg:msg:${id}`,
  lock: (name: string) => `lock:${name}`,
  hookDelivery: (hook: string, key: string) => `hook:${hook}:${key}`,
  /** A hook delivery that finished: the hash of its body (same id, other body → 422). */
  hookDone: (hook: string, key: string) => `hook:done:${hook}:${key}`,
  cronRun: (key: string) => `cron:${key}`,
  // SLA contracts and survey recipients (issue 15)
  /** An organisation's SLA contract (targets, business hours, zone, holidays). */
  slaContract: (org: string) => `sla:contract:${org}`,
  /** People seen in an organisation's channels (user keys): survey campaigns count their response rate against them. */
  orgPeople: (org: string) => `idx:org:${org}:people`,

  // Release validation, the documentation registry and training (issue 17).
  /** A planned release (candidate) with its gates: test suites and customer acceptance per organisation. */
  releaseCandidate: (version: string) => `release:candidate:${version}`,
  /** Published releases of one system, scored by publication time (the previous release of a system). */
  releasesBySystem: (system: string) => `idx:releases:system:${system}`,
  /** An organisation's UAT approvers (user keys). */
  orgApprovers: (org: string) => `idx:org:${org}:approvers`,
  doc: (id: string) => `doc:${id}`,
  /** A system's registered documents (DOC ids), scored by when they were added. */
  docsBySystem: (system: string) => `idx:docs:system:${system}`,
  /** Every system with a registered document. */
  docSystems: () => 'idx:docs:systems',
  /** Claimed when a release flags a document (its digest count is added once). */
  docFlagged: (id: string, release: string) => `doc:${id}:flagged:${release}`,
  training: (id: string) => `training:${id}`,
  /** An organisation's training sessions, scored by their start time. */
  trainingsByOrg: (org: string) => `idx:trainings:org:${org}`,
  trainingsAll: () => 'idx:trainings:all',
  /** Claimed when a session's digest figure (`held`, `rating:<user>`) has been counted. */
  trainingCounted: (id: string, what: string) => `training:${id}:counted:${what}`,

  // Improvement and security (root causes, postmortems, improvement actions, security incidents,
  // access review, audit export).
  /** Per-week counts (week starting Monday UTC, `YYYY-MM-DD`) of tickets by root cause and cause × system, by the week each ticket was opened. */
  aggWeek: (monday: string) => `agg:week:${monday}`,
  improvement: (id: string) => `improvement:${id}`,
  improvementsAll: () => 'idx:improvements:all',
  improvementsOpen: () => 'idx:improvements:open',
  /** Open actions with a due date, scored by the end of their due day (epoch ms). */
  improvementsDue: () => 'idx:improvements:due',
  /** Closed actions, scored by when they were closed. */
  improvementsClosed: () => 'idx:improvements:closed',
  /** Actions created from a ticket or alert (`from:`), for its postmortem. */
  improvementsFrom: (id: string) => `idx:improvements:from:${id}`,
  postmortem: (id: string) => `postmortem:${id}`,
  /** S1 tickets resolved without a published postmortem, scored by when they were resolved. */
  postmortemsRequired: () => 'idx:postmortems:required',
  securityIncident: (id: string) => `security:incident:${id}`,
  securityOpen: () => 'idx:security:open',
  securityAll: () => 'idx:security:all',
  securityPlan: (org: string) => `security:plan:${org}`,
  /** Staff holding the `security` grant. */
  securityGrants: () => 'idx:security:grants',
  /** An organisation's named security contacts. */
  securityContacts: (org: string) => `idx:security:contacts:${org}`,
  /** Everyone granted a role with `/aftercare role`, scored by when (the access review's list). */
  roleHolders: () => 'idx:role-holders',
  /** Audit entries that concern one organisation. */
  auditOrg: (org: string) => `idx:audit:org:${org}`,
  /** A CSV export link (valid 24 h). */
  auditExport: (token: string) => `export:${token}`,
} as const;
