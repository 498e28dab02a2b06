import type { RunningApp } from '../../server/app.js';
import type { Logger } from '../../src/core/log.js';
import { startWireApp } from '../helpers/wire-app.js';
import { startFakeSlack, type FakeCall, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';
import { payload } from './fixtures.js';

/** The fake Slack Web API and the real server pointed at it, as the Slack wire tests start them. */
export interface SlackWire {
  fake: FakeSlack;
  app: RunningApp;
  dir: string;
  /** The Events API URL (`<app>/slack/events`). */
  url: string;
  /** Stops the server (and then the fake) and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts a fake Slack (`fakeOptions`), then the real server with SLACK_API_URL on it, the bot
 * token, the admins (`slack:<id>`, comma-separated) and either the signing secret (HTTP) or an
 * app token (Socket Mode). `beforeApp` runs between the two (e.g. to point the fake at a Socket
 * Mode server), `afterApp` between stopping the server and closing the fake. `env` adds or overrides settings.
 */
export async function startSlackWire(options: {
  prefix: string;
  db?: string;
  admins: string;
  botToken: string;
  secret?: string;
  appToken?: string;
  env?: Record<string, string>;
  fakeOptions?: FakeSlackOptions;
  log?: Logger;
  beforeApp?: (fake: FakeSlack) => Promise<void> | void;
  afterApp?: () => Promise<void>;
}): Promise<SlackWire> {
  const fake = await startFakeSlack(options.fakeOptions);
  await options.beforeApp?.(fake);
  const wire = await startWireApp({
    prefix: options.prefix,
    db: options.db,
    log: options.log,
    env: {
      AFTERCARE_ADMINS: options.admins,
      SLACK_BOT_TOKEN: options.botToken,
      ...(options.secret ? { SLACK_SIGNING_SECRET: options.secret } : {}),
      ...(options.appToken ? { SLACK_APP_TOKEN: options.appToken } : {}),
      SLACK_API_URL: fake.apiUrl,
      ...options.env,
    },
  });
  return {
    fake,
    app: wire.app,
    dir: wire.dir,
    url: `${wire.app.url}/slack/events`,
    async stop() {
      await wire.app.stop();
      await options.afterApp?.();
      await fake.close();
      wire.removeDir();
    },
  };
}

/** Where a slash command is sent and what it says; names default from the ids as the fixtures do. */
export interface SlashFields {
  team: string;
  /** team_domain; the recorded payload's when absent. */
  domain?: string;
  user: string;
  channel: string;
  /** channel_name; default the channel id in lower case. */
  channelName?: string;
  command: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}

/** A slash command's form fields as Slack posts them: the recorded payload with these fields set. */
export function slashForm(f: SlashFields): Record<string, string> {
  return {
    ...payload<Record<string, string>>('slash_command'),
    team_id: f.team,
    ...(f.domain === undefined ? {} : { team_domain: f.domain }),
    channel_id: f.channel,
    channel_name: f.channelName ?? f.channel.toLowerCase(),
    user_id: f.user,
    user_name: f.user.toLowerCase(),
    command: f.command,
    text: f.text,
    response_url: f.responseUrl,
    trigger_id: f.triggerId,
  };
}

/** A button click (block_actions) on a message in a channel, as Slack posts it: the recorded payload with these fields set. */
export function blockAction(f: {
  team: string;
  domain: string;
  user: string;
  channel: string;
  messageTs: string;
  triggerId: string;
  responseUrl: string;
  action: { action_id: string; value: string };
}): Record<string, unknown> {
  return {
    ...payload<Record<string, unknown>>('block_actions'),
    user: { id: f.user, username: f.user.toLowerCase(), name: f.user.toLowerCase(), team_id: f.team },
    team: { id: f.team, domain: f.domain },
    channel: { id: f.channel, name: f.channel.toLowerCase() },
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channel, is_ephemeral: false },
    trigger_id: f.triggerId,
    response_url: f.responseUrl,
    actions: [{ ...f.action, block_id: 'b', type: 'button', text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` }],
  };
}

/**
 * Waits for the first answer to a command sent after call number `before`: a call to its
 * response_url (`responseMethod`, e.g. `response_url:cmd-3`) or a post in its channel.
 */
export async function firstAnswer(fake: FakeSlack, before: number, responseMethod: string, channel: string): Promise<FakeCall> {
  const answer = (c: FakeCall) => c.method === responseMethod || (c.method === 'chat.postMessage' && c.body.channel === channel);
  await fake.waitFor((calls) => calls.slice(before).some(answer));
  return fake.calls.slice(before).find(answer)!;
}

/** A Block Kit block, as far as the tests read one. */
export interface Block {
  type: string;
  text?: { text?: string };
  elements?: Array<{ action_id?: string; value?: string; type: string }>;
}

/** The buttons in a message's actions blocks. */
export function buttons(blocks: unknown): Array<{ action_id: string; value: string }> {
  return ((blocks as Block[] | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e): e is { action_id: string; value: string; type: string } => e.type === 'button' && typeof e.action_id === 'string');
}

/** A modal the bot opened (views.open), as far as a submission needs it. */
export interface OpenedView {
  callback_id: string;
  private_metadata: string;
  blocks: Array<{ block_id?: string; type: string }>;
}

/**
 * The submission (view_submission) of an opened modal by `user` (named `name`), as Slack posts it:
 * the recorded payload with the view's callback, metadata and blocks, and `values` as its state.
 */
export function viewSubmission(f: { team: string; domain: string; user: string; name: string; view: OpenedView; viewId: string; triggerId: string; values: Record<string, unknown> }): Record<string, unknown> {
  const submission = payload<Record<string, unknown> & { view: Record<string, unknown> }>('view_submission');
  submission.user = { id: f.user, username: f.name, name: f.name, team_id: f.team };
  submission.team = { id: f.team, domain: f.domain };
  submission.trigger_id = f.triggerId;
  submission.view = {
    ...submission.view,
    id: f.viewId,
    callback_id: f.view.callback_id,
    private_metadata: f.view.private_metadata,
    blocks: f.view.blocks,
    state: { values: f.values },
  };
  return submission;
}
