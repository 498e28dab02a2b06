import { declarations } from '../src/core/catalogue.js';
import { backupCard } from '../src/domain/backups/cards.js';
import { parseSystemName, sameSystem } from '../src/core/systems.js';
import { args, cardCtx, defineCommand, isStaff, subcommand } from './helpers.js';

export const backupStatusCommand = defineCommand(declarations.backupStatus, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        // The whole rest is the name: system names may have spaces (`CRM Prod`).
        const typed = p.words.join(' ');
        const system = typed ? parseSystemName(typed) : undefined;
        if (typed && system === undefined) fail('error.bad_system');
        return { system };
      }),
      async run(ctx, a) {
        const s = ctx.services;
        // Customers see only their organisation's systems; asking for another one looks like an unknown one.
        let systems = isStaff(ctx) ? undefined : await s.directory.orgSystems(ctx.identity.org ?? '');
        if (a.system) {
          const visible = !systems || systems.some((x) => sameSystem(x, a.system));
          // A system no report ever named is unknown, whoever asks (not "no successful backup").
          if (!visible || !(await s.backups.known(a.system))) return { messages: [{ text: ctx.t('backup.unknown_system', { system: a.system }) }] };
          systems = [a.system];
        }
        return { messages: [backupCard(await s.backups.status(systems), cardCtx(ctx))] };
      },
    }),
  },
});
