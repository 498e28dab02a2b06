import type { AppConfig } from '../src/config.js';
import type { PlatformContext, PlatformModule } from '../src/core/ports.js';

/**
 * The platform adapters the composition root may start. Each factory returns `undefined` when its
 * platform is not configured (a platform turns on when its credentials are set).
 * The playground is wired separately in src/app.ts.
 */
export type PlatformFactory = (config: AppConfig, ctx: PlatformContext) => Promise<PlatformModule | undefined>;

export const platformFactories: PlatformFactory[] = [
  async (config, ctx) => (config.teams ? (await import('../adapters/teams/index.js')).createTeamsModule(config.teams, ctx) : undefined),
  // adapters register here, e.g.:
  async (config, ctx) => (config.feishu ? (await import('../adapters/feishu/index.js')).createFeishuModule(config.feishu, ctx) : undefined),
  // async (config, ctx) => (config.slack ? (await import('../adapters/slack/index.js')).createSlackModule(config.slack, ctx) : undefined),
  async (config, ctx) => (config.slack ? (await import('../adapters/slack/index.js')).createSlackModule(config.slack, ctx) : undefined),
];
