/**
 * The three platforms as bench/chat.ts drives them: who sends what, to which path, signed or
 * encrypted as the platform does, and the aftercare configuration that points every platform at the
 * fake APIs of bench/fake-platforms.ts.
 */
import { buildEncryptedRequest } from '../adapters/feishu/crypto.js';
import { slackHeaders } from '../test/slack/sign.js';
import { APP_ID as FEISHU_APP_ID, ENCRYPT_KEY as FEISHU_ENCRYPT_KEY, messageEvent, VERIFICATION_TOKEN as FEISHU_VERIFICATION_TOKEN, type FeishuUser } from '../test/feishu/feishu-events.js';
import { ADMIN as TEAMS_ADMIN, commandMessage, CUSTOMER as TEAMS_CUSTOMER } from '../test/teams/teams-activities.js';

export const PLATFORMS = ['slack', 'teams', 'feishu'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const SLACK = { botToken: 'xoxb-bench-token', signingSecret: 'bench-signing-secret', admin: 'U0ADMIN', customer: 'U0CUST' } as const;
export const FEISHU = {
  appId: FEISHU_APP_ID,
  appSecret: 'bench-app-secret',
  encryptKey: FEISHU_ENCRYPT_KEY,
  verificationToken: FEISHU_VERIFICATION_TOKEN,
  admin: { openId: 'ou_benchadmin', name: 'Admin' } satisfies FeishuUser,
  customer: { openId: 'ou_benchcustomer', name: 'Customer' } satisfies FeishuUser,
} as const;

/** One HTTP request as the platform would send it: path on the server under test, body, headers. */
export interface PlatformRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** Event paths (aftercare's; the baselines serve the same ones). */
export const EVENT_PATH: Record<Platform, string> = { slack: '/slack/events', teams: '/api/messages', feishu: '/feishu/events' };

/** Customer channel `i` of a platform (each bound to organisation acme in aftercare). */
function channel(platform: Platform, i: number): string {
  if (platform === 'slack') return `C0ACME${i}`;
  if (platform === 'teams') return `19:bench-acme-${i}@thread.tacv2`;
  return `oc_bench_acme_${i}`;
}

let slackSeq = 0;
function slackCommand(fakeUrl: string, user: string, channelId: string, command: string, text: string): PlatformRequest {
  const n = ++slackSeq;
  const body = new URLSearchParams({
    token: 'bench',
    team_id: 'T0BENCH',
    team_domain: 'bench',
    channel_id: channelId,
    channel_name: channelId.toLowerCase(),
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A0BENCH',
    response_url: `${fakeUrl}/response/${n}`,
    trigger_id: `${n}.${process.pid}.benchtrigger`,
  }).toString();
  return { path: EVENT_PATH.slack, body, headers: { ...slackHeaders(SLACK.signingSecret, body, 'application/x-www-form-urlencoded'), 'content-length': String(Buffer.byteLength(body)) } };
}

function json(path: string, payload: unknown): PlatformRequest {
  const body = JSON.stringify(payload);
  return { path, body, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } };
}

function feishu(payload: unknown): PlatformRequest {
  const { body, headers } = buildEncryptedRequest(FEISHU.encryptKey, payload);
  return { path: EVENT_PATH.feishu, body, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } };
}

/**
 * A command line (`issue …`, `aftercare …`) from the customer or the admin in customer channel `i`:
 * a Slack slash command, a Teams channel post @mentioning the bot, a Feishu group message
 * @mentioning the bot (typed with a leading slash).
 */
export function commandRequest(platform: Platform, fakeUrl: string, who: 'customer' | 'admin', i: number, line: string): PlatformRequest {
  const [command = '', ...rest] = line.split(' ');
  if (platform === 'slack') return slackCommand(fakeUrl, who === 'admin' ? SLACK.admin : SLACK.customer, channel(platform, i), `/${command}`, rest.join(' '));
  if (platform === 'teams') return json(EVENT_PATH.teams, commandMessage(`${fakeUrl}/amer/`, who === 'admin' ? TEAMS_ADMIN : TEAMS_CUSTOMER, channel(platform, i), line));
  return feishu(messageEvent(who === 'admin' ? FEISHU.admin : FEISHU.customer, channel(platform, i), 'group', `/${line}`));
}

/** aftercare's environment with all three platforms on, their APIs at the fake (`fakeUrl`). */
export function aftercareEnv(fakeUrl: string, storeUrl: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: storeUrl,
    AFTERCARE_ADMINS: `slack:${SLACK.admin},teams:${TEAMS_ADMIN.aadObjectId},feishu:${FEISHU.admin.openId}`,
    AFTERCARE_PLAYGROUND: 'off',
    AFTERCARE_LOG_LEVEL: 'error',
    SLACK_BOT_TOKEN: SLACK.botToken,
    SLACK_SIGNING_SECRET: SLACK.signingSecret,
    SLACK_API_URL: `${fakeUrl}/api/`,
    // No MICROSOFT_APP_ID: unauthenticated local mode; replies go to each activity's serviceUrl.
    TEAMS_ENABLED: 'true',
    FEISHU_APP_ID: FEISHU.appId,
    FEISHU_APP_SECRET: FEISHU.appSecret,
    FEISHU_ENCRYPT_KEY: FEISHU.encryptKey,
    FEISHU_VERIFICATION_TOKEN: FEISHU.verificationToken,
    FEISHU_DOMAIN: fakeUrl,
  };
}

/**
 * The baselines' parser for `/issue <title> sev:S<n>` as it arrives on each platform: a leading
 * Teams `<at>…</at>` or Feishu `@_user_n` mention and the command word are dropped.
 */
export function parseIssue(text: string): { title: string; severity: string } {
  const words = text
    .replace(/<at>[^<]*<\/at>/g, ' ')
    .replace(/@_user_\d+/g, ' ')
    .trim()
    .replace(/^\/?issue\b/i, '')
    .split(/\s+/)
    .filter(Boolean);
  const sev = words.find((w) => /^sev:S[1-4]$/i.test(w));
  return { title: words.filter((w) => w !== sev).join(' '), severity: sev ? sev.slice(4).toUpperCase() : 'S3' };
}
