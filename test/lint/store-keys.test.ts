import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Lints `code` as if it were a file of the domain, with the project's own configuration. */
async function lint(code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath: 'src/domain/probe.ts' });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('the store key rule', () => {
  it('fails a store call whose key is written inline', async () => {
    const messages = await lint("declare const store: { get(k: string): Promise<unknown> };\nexport const x = () => store.get(`ticket:${'SUP-1'}`);\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('src/core/keys.ts');
  });

  it('fails an inline key in a batch write', async () => {
    const messages = await lint("export const w = { op: 'set', key: 'ticket:SUP-1', value: 1 };\n");
    expect(messages).toHaveLength(1);
  });

  it('fails a key glued together with + and a claim key written inline', async () => {
    const messages = await lint(
      "declare const store: { get(k: string): Promise<unknown>; batch(w: unknown[], o: object): Promise<boolean> };\ndeclare const effect: string | undefined;\nexport const a = () => store.get('ticket:' + 1);\nexport const b = () => store.batch([], { once: effect && `${effect}:create` });\n",
    );
    expect(messages).toHaveLength(2);
  });

  it('accepts keys built by the key module', async () => {
    const messages = await lint(
      "import { keys } from '../core/keys.js';\ndeclare const services: { deps: { store: { get(k: string): Promise<unknown> } } };\nexport const x = () => services.deps.store.get(keys.ticket('SUP-1'));\n",
    );
    expect(messages).toEqual([]);
  });
});
