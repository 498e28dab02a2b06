import { declarations } from '../src/core/catalogue.js';
import { backupCard } from '../src/domain/backups/cards.js';
import { sameSystem } from '../src/domain/directory/service.js';
import { args, cardCtx, defineCommand, isStaff, subcommand } from './helpers.js';

export const backupStatusCommand = defineCommand(declarations.backupStatus, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        if (p.words.length > 1 || (p.words[0] && !/^[\w.-]{1,64}$/.test(p.words[0]))) fail('error.bad_system');
        return { system: p.words[0]?.toLowerCase() };
      }),
      async run(ctx, a) {
        const s = ctx.services;
        // Customers see only their organisation's systems; asking for another one looks like an unknown one.
        let systems = isStaff(ctx) ? undefined : await s.directory.orgSystems(ctx.identity.org ?? '');
        if (a.system) systems = systems ? systems.filter((sys) => sameSystem(sys, a.system!)) : [a.system];
        const rows = (await s.backups.status(systems)).filter((r) => !a.system || r.state !== 'never' || isStaff(ctx) || r.lastRestoreTest);
        if (a.system && rows.length === 0) return { messages: [{ text: ctx.t('backup.unknown_system', { system: a.system }) }] };
        return { messages: [backupCard(rows, cardCtx(ctx))] };
      },
    }),
  },
});
