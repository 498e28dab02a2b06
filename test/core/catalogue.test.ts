import { describe, expect, it } from 'vitest';
import { pairKeys, parseText } from '../../src/core/args.js';
import { catalogue, catalogueEntry, declarations, vocabulary, type CommandDeclaration } from '../../src/core/catalogue.js';
import { catalogues } from '../../src/core/i18n.js';

describe('the command vocabulary', () => {
  it('takes a verb’s key:value options from its usage, so help shows every option the parser reads', () => {
    expect(pairKeys('<ID> [fixed-in:<version>] [cause:<category>] [note]')).toEqual(['fixed-in', 'cause']);
    expect(pairKeys('<title> [sev:S1-S4] [system:<name>]')).toEqual(['sev', 'system']);
    expect(pairKeys('<@user|me> <ID>')).toEqual([]);
    const resolve = declarations.issue.verbs.find((v) => v.verb === 'resolve')!;
    expect(parseText('SUP-1 fixed-in:1.2 cause:config Error: 500', pairKeys(resolve.usage))).toEqual({
      words: ['SUP-1', 'Error:', '500'],
      pairs: { 'fixed-in': '1.2', cause: 'config' },
    });
  });

  it('names each command and verb once, and has a description in every language', () => {
    const names = vocabulary.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    for (const c of vocabulary) {
      const verbs = c.verbs.map((v) => v.verb);
      expect({ command: c.name, unique: new Set(verbs).size }).toEqual({ command: c.name, unique: verbs.length });
      for (const messages of Object.values(catalogues)) expect(messages[c.description]).toBeTruthy();
    }
  });

  it('derives the platform command list: name, every listed verb with its syntax, the description in both languages', () => {
    expect(catalogue.map((c) => c.name)).toEqual(['issue', 'escalate', 'release-notes', 'backup-status', 'alerts', 'survey', 'digest', 'faq', 'release', 'docs', 'training', 'aftercare', 'postmortem', 'improve', 'security']);
    const notes: CommandDeclaration = {
      name: 'notes',
      description: 'command.faq',
      verbs: [
        { verb: '', permission: 'customer', usage: '' },
        { verb: 'add', permission: 'engineer', usage: '<text>' },
        { verb: '', permission: 'guest', usage: '<anything>', hidden: true },
      ],
    };
    expect(catalogueEntry(notes)).toEqual({
      name: 'notes',
      usage: '| add <text>',
      description: { en: 'Search or extend the knowledge base', 'zh-CN': '搜索或补充知识库' },
    });
    const aftercare = catalogue.find((c) => c.name === 'aftercare')!;
    expect(aftercare.usage.startsWith('help | lang <en|zh> [channel] | subscribe <topic> [system:<name>]')).toBe(true);
  });

  it('keeps every usage hint within Slack’s 1,000 characters', () => {
    for (const c of catalogue) expect(c.usage.length).toBeLessThanOrEqual(1000);
  });
});
