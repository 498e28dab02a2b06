import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCore } from '../../src/core/dispatcher.js';
import { AppError } from '../../src/core/errors.js';
import type { MessageKey } from '../../src/core/i18n.js';
import { commandBuilders } from '../../src/core/registry.js';
import { openStore } from '../../src/state/store.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

describe('the dispatcher', () => {
  it('reports a refusal whose message key is missing from the catalogues as an unexpected error, never as the raw key', async () => {
    const store = await openStore(tempSqliteUrl('dispatch'));
    const log = memoryLogger();
    // A key that slipped past the type check (built at run time).
    const mistyped = ['error', 'ticket_not_fuond'].join('.') as MessageKey;
    const { defineCommand, subcommand } = commandBuilders<object>();
    const broken = defineCommand(
      { name: 'broken', description: 'command.aftercare', verbs: [{ verb: '', permission: 'guest', usage: '' }] },
      { subcommands: { '': subcommand({ args: z.any(), run: async () => Promise.reject(new AppError('not_found', mistyped)) }) } },
    );
    const core = createCore({ store, commands: [broken], services: {}, log, now: Date.now, identify: async () => ({ role: 'guest', locale: 'en' }) });
    const reply = await core.process({ id: 'd1', kind: 'command', command: 'broken', text: '', actor: { platform: 'playground', id: 'u' }, conversation: { platform: 'playground', tenantId: 'local', channelId: 'c' }, receivedAt: Date.now() });
    const text = reply.messages[0]!.text;
    expect(text).not.toContain('ticket_not_fuond');
    const logged = log.lines.find((l) => l.msg === 'command failed');
    expect(logged).toBeDefined();
    expect(text).toContain(String(logged!.correlationId));
    await store.close();
  });
});
