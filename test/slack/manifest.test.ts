import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { catalogue } from '../../src/core/catalogue.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The parts of Slack's manifest schema aftercare relies on, with Slack's documented limits. */
const manifestSchema = z.object({
  _metadata: z.object({ major_version: z.literal(1), minor_version: z.number().int() }),
  display_information: z.object({
    name: z.string().min(1).max(35),
    description: z.string().max(140),
    long_description: z.string().min(174).max(4000),
    background_color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  }),
  features: z.object({
    app_home: z.object({ messages_tab_enabled: z.literal(true), messages_tab_read_only_enabled: z.literal(false) }).passthrough(),
    bot_user: z.object({ display_name: z.string().regex(/^[a-z0-9._-]{1,80}$/), always_online: z.boolean() }),
    slash_commands: z
      .array(
        z.object({
          command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/),
          url: z.string().url(),
          description: z.string().min(1).max(2000),
          usage_hint: z.string().max(1000),
          should_escape: z.literal(true),
        }),
      )
      .max(50),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()).max(255) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string().url(), bot_events: z.array(z.string()).max(100) }),
    interactivity: z.object({ is_enabled: z.literal(true), request_url: z.string().url() }),
    org_deploy_enabled: z.boolean(),
    socket_mode_enabled: z.literal(false),
    token_rotation_enabled: z.boolean(),
  }),
});

const manifest = manifestSchema.parse(parse(readFileSync(join(root, 'manifest.yml'), 'utf8')));

describe('manifest.yml', () => {
  it('declares exactly the commands of the catalogue, with their descriptions and usage', () => {
    const declared = manifest.features.slash_commands.map((c) => ({ name: c.command.slice(1), description: c.description, usage: c.usage_hint }));
    const expected = catalogue.map((c) => ({ name: c.name, description: c.description.en, usage: c.usage }));
    expect(declared).toEqual(expected);
  });

  it('sends slash commands, interactivity and events to the one /slack/events endpoint', () => {
    const urls = [
      ...manifest.features.slash_commands.map((c) => c.url),
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(new Set(urls.map((u) => new URL(u).origin)).size).toBe(1);
  });

  it('subscribes to mentions and direct messages and asks for the scopes they and the replies need', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_mention', 'message.im']);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'chat:write.public', 'app_mentions:read', 'im:history', 'users:read']),
    );
  });
});
