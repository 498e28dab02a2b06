import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', store: 'sqlite://./data/aftercare.sqlite', locale: 'en', timezone: 'UTC', digestCron: '0 9 * * 1', playground: 'local' });
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.slack).toBeUndefined();
    expect(c.sla.S1).toEqual({ respondMin: 15, resolveMin: 240 });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ AFTERCARE_STORE: 'mysql://x' }, 'AFTERCARE_STORE'],
    [{ AFTERCARE_LOCALE: 'fr' }, 'AFTERCARE_LOCALE'],
    [{ AFTERCARE_TIMEZONE: 'Mars/Olympus' }, 'AFTERCARE_TIMEZONE'],
    [{ AFTERCARE_ADMINS: 'U123' }, 'AFTERCARE_ADMINS'],
    [{ AFTERCARE_SLA: '{not json' }, 'AFTERCARE_SLA'],
    [{ AFTERCARE_BACKUP_RPO: 'crm:24' }, 'AFTERCARE_BACKUP_RPO'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, 'SLACK_APP_TOKEN'],
    [{ SLACK_APP_TOKEN: 'xapp-1-A-1-x' }, 'SLACK_BOT_TOKEN'],
    [{ FEISHU_APP_ID: 'cli_1', FEISHU_APP_SECRET: 's', FEISHU_CONNECTION: 'socket' }, 'FEISHU_CONNECTION'],
    [{ FEISHU_DOMAIN: 'example' }, 'FEISHU_DOMAIN'],
    [{ TEAMS_ENABLED: 'yes', NODE_ENV: 'production' }, 'MICROSOFT_APP_ID'],
  ])('stops with one message naming the variable for %j', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as ConfigError).variable).toBe(variable);
      expect((e as Error).message).toContain(variable);
    }
  });

  it('runs Slack in Socket Mode with an app token and no signing secret, and Feishu over its long connection when asked', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A-1-x' }).slack).toEqual({ botToken: 'xoxb-1', appToken: 'xapp-1-A-1-x', signingSecret: undefined, apiUrl: undefined });
    expect(loadConfig({ FEISHU_APP_ID: 'cli_1', FEISHU_APP_SECRET: 's', FEISHU_CONNECTION: 'websocket' }).feishu?.connection).toBe('websocket');
    expect(loadConfig({ FEISHU_APP_ID: 'cli_1', FEISHU_APP_SECRET: 's' }).feishu?.connection).toBe('webhook');
    expect(loadConfig({ AFTERCARE_STORE: 'postgres://aftercare@db:5432/aftercare' }).store).toBe('postgres://aftercare@db:5432/aftercare');
  });

  it('serves the playground locally on a bare checkout, not once a platform is configured, and to anyone only when asked', () => {
    expect(loadConfig({}).playground).toBe('local');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).playground).toBe('off');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', AFTERCARE_PLAYGROUND: 'on' }).playground).toBe('local');
    expect(loadConfig({ AFTERCARE_PLAYGROUND: 'public' }).playground).toBe('public');
    expect(() => loadConfig({ AFTERCARE_PLAYGROUND: 'everyone' })).toThrow(/AFTERCARE_PLAYGROUND/);
  });

  it('turns the playground off in production and reads SLA and RPO overrides', () => {
    const c = loadConfig({ NODE_ENV: 'production', AFTERCARE_SLA: '{"S1":{"respondMin":5}}', AFTERCARE_BACKUP_RPO: 'crm=6,*=48' });
    expect(c.playground).toBe('off');
    expect(c.sla.S1).toEqual({ respondMin: 5, resolveMin: 240 });
    expect(c.rpoHours).toEqual({ '*': 48, crm: 6 });
  });
});
