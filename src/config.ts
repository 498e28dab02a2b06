import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import cron from 'node-cron';
import { z } from 'zod';

/**
 * Configuration from the environment (and `.env`). This is the only module that reads `process.env`.
 * A `.env` file in the working directory is read too (real environment variables win).
 */

/** node-cron's own check: 5 or 6 fields, each in range (minutes 0–59, weekdays 0–7…). */
function validCron(expression: string): boolean {
  return cron.validate(expression.trim());
}
const CRON_EXPECTED = 'expected a cron expression with 5 or 6 fields, each in range, such as 0 9 * * 1 (Mondays 09:00)';

/** Who the playground is served to. */
export type PlaygroundMode = 'off' | 'local' | 'public';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'].includes(v), 'expected on/off, true/false or 1/0')
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v));

const minutes = z.coerce.number().positive();

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  AFTERCARE_STORE: z
    .string()
    .regex(/^(sqlite|redis|rediss|postgres|postgresql):\/\/.*/, 'expected sqlite://<path>, postgres://user:password@host:port/database or redis://host:port')
    .default('sqlite://./data/aftercare.sqlite'),
  AFTERCARE_PUBLIC_URL: z.string().url().optional(),
  AFTERCARE_HOOK_TOKEN: z.string().min(8, 'use at least 8 characters').optional(),
  AFTERCARE_ADMINS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((s) => /^(slack|teams|feishu|playground):.+$/.test(s)), 'expected a comma list of platform:userId'),
  AFTERCARE_LOCALE: z.enum(['en', 'zh-CN']).default('en'),
  AFTERCARE_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Asia/Shanghai'),
  AFTERCARE_DIGEST_CRON: z.string().default('0 9 * * 1').refine(validCron, CRON_EXPECTED),
  /** Optional survey campaign schedule (cron) and the template it sends. */
  AFTERCARE_SURVEY_CRON: z
    .string()
    .optional()
    .refine((v) => v === undefined || validCron(v), CRON_EXPECTED),
  /** Root-cause taxonomy: a comma list of categories (required when resolving S1/S2 tickets). */
  AFTERCARE_CAUSES: z
    .string()
    .default('code,config,data,infra,third-party,user-error,unknown')
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))])
    .refine((list) => list.length > 0 && list.every((c) => /^[\w-]{1,40}$/.test(c)), 'expected a comma list of categories such as code,config,infra'),
  /** When every admin is sent the access review (default: quarterly, 09:00 on the first day). */
  AFTERCARE_ACCESS_REVIEW_CRON: z.string().default('0 9 1 1,4,7,10 *').refine(validCron, CRON_EXPECTED),
  AFTERCARE_SURVEY_TEMPLATE: z.string().regex(/^[\w-]{1,40}$/, 'expected a survey template name such as nps').default('nps'),
  /** `public` serves the playground to anyone; on/true serves it to loopback clients; off/false not at all. */
  AFTERCARE_PLAYGROUND: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['public', '1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'].includes(v), 'expected on, off or public')
    .transform((v): PlaygroundMode => (v === 'public' ? 'public' : ['1', 'true', 'on', 'yes'].includes(v) ? 'local' : 'off'))
    .optional(),
  AFTERCARE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** SLA targets override: JSON like {"S1":{"respondMin":15,"resolveMin":240}}. */
  AFTERCARE_SLA: z.string().optional(),
  /** RPO per system in hours: `crm=24,erp=6,*=24`. */
  AFTERCARE_BACKUP_RPO: z.string().optional(),
  /** How often stored timers are polled, in ms. */
  AFTERCARE_TIMER_POLL_MS: z.coerce.number().int().positive().default(1000),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_API_URL: z.string().url().optional(),
  /** An app-level token (`xapp-…`, scope connections:write): Slack in Socket Mode, no public URL. */
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'expected an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)')
    .optional(),
  MICROSOFT_APP_ID: z.string().optional(),
  MICROSOFT_APP_PASSWORD: z.string().optional(),
  MICROSOFT_APP_TENANT_ID: z.string().optional(),
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  TEAMS_ENABLED: bool.optional(),
  FEISHU_APP_ID: z.string().optional(),
  FEISHU_APP_SECRET: z.string().optional(),
  /** `webhook` (events POSTed to us) or `websocket` (the SDK's long connection: no public URL). */
  FEISHU_CONNECTION: z.enum(['webhook', 'websocket']).default('webhook'),
  FEISHU_VERIFICATION_TOKEN: z.string().optional(),
  FEISHU_ENCRYPT_KEY: z.string().optional(),
  FEISHU_DOMAIN: z
    .string()
    .default('feishu')
    .refine((v) => v === 'feishu' || v === 'lark' || /^https?:\/\//.test(v), 'expected feishu, lark or a URL'),
});

export type Env = z.infer<typeof envSchema>;

export interface SlaTarget {
  respondMin: number;
  resolveMin: number;
}

export interface AppConfig {
  production: boolean;
  port: number;
  host: string;
  store: string;
  publicUrl: string;
  hookToken?: string;
  admins: string[];
  locale: 'en' | 'zh-CN';
  timezone: string;
  digestCron: string;
  /** Survey campaign schedule; none when unset. */
  surveyCron?: string;
  surveyTemplate: string;
  /** Root-cause categories (AFTERCARE_CAUSES), lower-case. */
  causes: string[];
  /** Access review schedule (AFTERCARE_ACCESS_REVIEW_CRON). */
  accessReviewCron: string;
  /** Who is served the playground: nobody, loopback clients only, or anyone. */
  playground: PlaygroundMode;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  sla: Record<'S1' | 'S2' | 'S3' | 'S4', SlaTarget>;
  /** Recovery point objective per system, in hours; `*` is the default. */
  rpoHours: Record<string, number>;
  timerPollMs: number;
  /** Over HTTP (`signingSecret`) or, with `appToken`, in Socket Mode. */
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  teams?: { appId: string; appPassword: string; tenantId?: string; appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI' };
  feishu?: { appId: string; appSecret: string; verificationToken?: string; encryptKey?: string; domain: string; connection?: 'webhook' | 'websocket' };
}

/** Default SLA targets, in minutes. */
export const DEFAULT_SLA: AppConfig['sla'] = {
  S1: { respondMin: 15, resolveMin: 4 * 60 },
  S2: { respondMin: 60, resolveMin: 24 * 60 },
  S3: { respondMin: 4 * 60, resolveMin: 3 * 24 * 60 },
  S4: { respondMin: 24 * 60, resolveMin: 10 * 24 * 60 },
};

const slaSchema = z
  .partialRecord(z.enum(["S1", "S2", "S3", "S4"]), z.object({ respondMin: minutes, resolveMin: minutes }).partial())
  .optional();

/** Thrown for an invalid configuration; `message` names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} — ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` (if present) under the real environment. */
export function readEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

/** Validates an environment into the app's configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  let sla = DEFAULT_SLA;
  if (e.AFTERCARE_SLA) {
    let json: unknown;
    try {
      json = JSON.parse(e.AFTERCARE_SLA);
    } catch {
      throw new ConfigError('AFTERCARE_SLA', 'expected JSON such as {"S1":{"respondMin":15,"resolveMin":240}}');
    }
    const over = slaSchema.safeParse(json);
    if (!over.success) throw new ConfigError('AFTERCARE_SLA', over.error.issues[0]!.message);
    sla = { ...DEFAULT_SLA };
    for (const [sev, t] of Object.entries(over.data ?? {})) {
      const key = sev as keyof typeof sla;
      sla[key] = { ...sla[key], ...t };
    }
  }

  const rpoHours: Record<string, number> = { '*': 24 };
  for (const part of (e.AFTERCARE_BACKUP_RPO ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new ConfigError('AFTERCARE_BACKUP_RPO', `expected system=hours pairs such as crm=24,*=48; got "${part}"`);
    rpoHours[m[1]!.trim()] = Number(m[2]);
  }

  const both = (a: string, b: string, va?: string, vb?: string) => {
    if (Boolean(va) !== Boolean(vb)) throw new ConfigError(va ? b : a, `set together with ${va ? a : b}`);
    return Boolean(va && vb);
  };
  // Slack needs the bot token and a way in: the signing secret (HTTP) or an app token (Socket Mode).
  const slackWayIn = e.SLACK_SIGNING_SECRET ?? e.SLACK_APP_TOKEN;
  if (e.SLACK_BOT_TOKEN && !slackWayIn) throw new ConfigError('SLACK_SIGNING_SECRET', 'set together with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)');
  if (!e.SLACK_BOT_TOKEN && slackWayIn) throw new ConfigError('SLACK_BOT_TOKEN', `set together with ${e.SLACK_SIGNING_SECRET ? 'SLACK_SIGNING_SECRET' : 'SLACK_APP_TOKEN'}`);
  const slack = e.SLACK_BOT_TOKEN
    ? { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL }
    : undefined;
  const feishu = both('FEISHU_APP_ID', 'FEISHU_APP_SECRET', e.FEISHU_APP_ID, e.FEISHU_APP_SECRET)
    ? {
        appId: e.FEISHU_APP_ID!,
        appSecret: e.FEISHU_APP_SECRET!,
        verificationToken: e.FEISHU_VERIFICATION_TOKEN,
        encryptKey: e.FEISHU_ENCRYPT_KEY,
        domain: e.FEISHU_DOMAIN,
        connection: e.FEISHU_CONNECTION,
      }
    : undefined;
  const teamsOn = Boolean(e.MICROSOFT_APP_ID) || e.TEAMS_ENABLED === true;
  if (teamsOn && !e.MICROSOFT_APP_ID && production) {
    throw new ConfigError('MICROSOFT_APP_ID', 'Teams without an app id runs unauthenticated and is refused when NODE_ENV=production');
  }
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD && (e.MICROSOFT_APP_TYPE ?? 'MultiTenant') !== 'UserAssignedMSI') {
    throw new ConfigError('MICROSOFT_APP_PASSWORD', 'set together with MICROSOFT_APP_ID');
  }
  const teams = teamsOn
    ? {
        appId: e.MICROSOFT_APP_ID ?? '',
        appPassword: e.MICROSOFT_APP_PASSWORD ?? '',
        tenantId: e.MICROSOFT_APP_TENANT_ID,
        appType: e.MICROSOFT_APP_TYPE ?? 'MultiTenant',
      }
    : undefined;

  return {
    production,
    port: e.PORT,
    host: e.HOST,
    store: e.AFTERCARE_STORE,
    publicUrl: (e.AFTERCARE_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    hookToken: e.AFTERCARE_HOOK_TOKEN,
    admins: e.AFTERCARE_ADMINS,
    locale: e.AFTERCARE_LOCALE,
    timezone: e.AFTERCARE_TIMEZONE,
    digestCron: e.AFTERCARE_DIGEST_CRON,
    surveyCron: e.AFTERCARE_SURVEY_CRON,
    surveyTemplate: e.AFTERCARE_SURVEY_TEMPLATE.toLowerCase(),
    causes: e.AFTERCARE_CAUSES,
    accessReviewCron: e.AFTERCARE_ACCESS_REVIEW_CRON,
    // A local tool: on for a bare checkout, off once a real platform is connected or in production.
    playground: e.AFTERCARE_PLAYGROUND ?? (production || slack || teams || feishu ? 'off' : 'local'),
    logLevel: e.AFTERCARE_LOG_LEVEL,
    sla,
    rpoHours,
    timerPollMs: e.AFTERCARE_TIMER_POLL_MS,
    slack,
    teams,
    feishu,
  };
}
