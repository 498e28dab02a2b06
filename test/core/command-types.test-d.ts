/**
 * Type test, checked by `tsc --noEmit` (tsconfig includes test/; vitest does not run it): a command
 * spec's handlers receive exactly what their parsers return. Each `@ts-expect-error` marks a spec
 * that must not compile; if it compiled, tsc would report the directive as unused and fail.
 */
import { args } from '../../src/core/args.js';
import { commandBuilders, type CommandSpec } from '../../src/core/registry.js';

interface Services {
  echo(text: string): string;
}

const { subcommand, defineCommand } = commandBuilders<Services>();

const declaration = {
  name: 'note',
  description: 'command.faq',
  verbs: [
    { verb: '', permission: 'customer', usage: '<text>' },
    { verb: 'add', permission: 'engineer', usage: '<ID> <text> [tag:<name>]' },
  ],
} as const;

const idAndBody = args((p, fail) => {
  if (!p.words[0]) fail('error.missing_ticket_id');
  return { id: p.words[0]!, body: p.words.slice(1).join(' '), tag: p.pairs.tag };
});
const textOnly = args((p) => ({ text: p.words.join(' ') }));

// The argument of `run` and `confirm` is inferred from the parser: no annotation, and it is typed.
const note: CommandSpec<Services> = defineCommand(declaration, {
  subcommands: {
    '': subcommand({
      args: textOnly,
      run: async (ctx, a) => ({ messages: [{ text: ctx.services.echo(a.text) }] }),
    }),
    add: subcommand({
      args: idAndBody,
      confirm: (a) => `Add to ${a.id}?`,
      async run(ctx, a) {
        const tag: string | undefined = a.tag;
        return { messages: [{ text: ctx.services.echo(`${a.id} ${a.body} ${tag ?? ''}`) }] };
      },
    }),
  },
});

// A spec whose `run` takes another shape than its parser returns does not compile…
export const wider = subcommand({
  args: textOnly,
  // @ts-expect-error `run` wants `{ id; body }`, the parser returns `{ text }`
  async run(_ctx, a: { id: string; body: string }) {
    return { messages: [{ text: a.body }] };
  },
});

export const otherType = subcommand({
  args: idAndBody,
  // @ts-expect-error `id` is a string, not a number
  run: async (_ctx, a: { id: number }) => ({ messages: [{ text: String(a.id) }] }),
});

export const unannotated = subcommand({
  args: textOnly,
  // @ts-expect-error the parser returns no `body`
  run: async (_ctx, a) => ({ messages: [{ text: a.body }] }),
});

export const badConfirm = subcommand({
  args: textOnly,
  // @ts-expect-error `confirm` must take the parser's output as well
  confirm: (a: { id: string }) => `Sure about ${a.id}?`,
  run: async (_ctx, a) => ({ messages: [{ text: a.text }] }),
});

// …and neither does a command whose handlers differ from its declared verbs…
export const missingVerb = defineCommand(declaration, {
  // @ts-expect-error the declared verb `add` has no handler
  subcommands: { '': subcommand({ args: textOnly, run: async () => ({}) }) },
});

export const extraVerb = defineCommand(declaration, {
  subcommands: {
    '': subcommand({ args: textOnly, run: async () => ({}) }),
    add: subcommand({ args: idAndBody, run: async () => ({}) }),
    // @ts-expect-error `remove` is not a declared verb
    remove: subcommand({ args: textOnly, run: async () => ({}) }),
  },
});

// …nor a handler written without `subcommand` (its argument type would not be checked)…
export const handWritten = defineCommand(declaration, {
  subcommands: {
    '': subcommand({ args: textOnly, run: async () => ({}) }),
    // @ts-expect-error a handler is built by `subcommand`
    add: { args: idAndBody, run: async (_ctx: unknown, a: { id: string }) => ({ messages: [{ text: a.id }] }) },
  },
});

// …nor a parser rejecting with a key the catalogue lacks, or one whose placeholders it cannot fill.
// @ts-expect-error not a message key
export const unknownKey = args((_p, fail) => fail('error.no_such_key'));
// @ts-expect-error `error.forbidden` needs `{role}`, which the dispatcher does not fill
export const unfillable = args((_p, fail) => fail('error.forbidden'));

export { note };
