import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { vocabulary } from '../../src/core/catalogue.js';
import { pairKeys } from '../../src/core/args.js';

describe('the registered commands', () => {
  it('are exactly the declared vocabulary, in its order, each verb with its declared permission and options', () => {
    expect(commands.map((c) => c.name)).toEqual(vocabulary.map((d) => d.name));
    for (const [i, spec] of commands.entries()) {
      const declared = vocabulary[i]!;
      expect(spec.aliases).toEqual(declared.aliases);
      expect(spec.description).toBe(declared.description);
      expect(spec.subcommands.map((s) => [s.verb, s.permission, s.keys])).toEqual(declared.verbs.map((v) => [v.verb, v.permission, pairKeys(v.usage)]));
    }
  });
});
