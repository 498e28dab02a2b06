import { describe, expect, it } from 'vitest';
import { toMarkdown as toFeishuMarkdown } from '../../adapters/feishu/render.js';
import { markdownToHtml } from '../../adapters/playground/render.js';
import { markdownToPlain, tokenizeMarkdown } from '../../adapters/kit/markdown.js';
import { toMrkdwn } from '../../adapters/slack/mrkdwn.js';
import { toCardMarkdown } from '../../adapters/teams/render.js';

describe('the markdown subset’s tokenizer', () => {
  it('reads bold, italic, code, links and mentions, with code and links inside bold', () => {
    expect(tokenizeMarkdown('**SUP-1 `x`** for _some_ [runbook](https://x.example/rb) <@slack:U1>')).toEqual([
      { type: 'bold', children: [{ type: 'text', text: 'SUP-1 ' }, { type: 'code', text: 'x' }] },
      { type: 'text', text: ' for ' },
      { type: 'italic', children: [{ type: 'text', text: 'some' }] },
      { type: 'text', text: ' ' },
      { type: 'link', label: 'runbook', url: 'https://x.example/rb' },
      { type: 'text', text: ' ' },
      { type: 'mention', platform: 'slack', id: 'U1' },
    ]);
  });

  it('marks list items at line starts, and which breaks lie between two items', () => {
    expect(tokenizeMarkdown('Steps\n- one\n  2. two\r\nDone')).toEqual([
      { type: 'text', text: 'Steps' },
      { type: 'break', afterItem: false, beforeItem: true },
      { type: 'item', indent: '', marker: '-', ordered: false },
      { type: 'text', text: 'one' },
      { type: 'break', afterItem: true, beforeItem: true },
      { type: 'item', indent: '  ', marker: '2.', ordered: true },
      { type: 'text', text: 'two' },
      { type: 'break', afterItem: true, beforeItem: false },
      { type: 'text', text: 'Done' },
    ]);
  });

  it('reads nothing inside code, and no italic inside a word or a link that is not http(s) or mailto', () => {
    expect(tokenizeMarkdown('```\n**not bold**\n- not an item\n```')).toEqual([{ type: 'code_block', text: '\n**not bold**\n- not an item\n' }]);
    expect(tokenizeMarkdown('snake_case_name [x](javascript:alert)')).toEqual([{ type: 'text', text: 'snake_case_name [x](javascript:alert)' }]);
    expect(tokenizeMarkdown('a **b')).toEqual([{ type: 'text', text: 'a **b' }]);
  });

  it('reduces markdown to plain text for fields that show no markup', () => {
    expect(markdownToPlain('**SUP-1** _urgent_: see [runbook](https://x.example/rb) and `x`')).toBe('SUP-1 urgent: see runbook and x');
  });
});

/** Each feature of the subset as every platform writes it. */
const table: Array<{ feature: string; source: string; slack: string; teams: string; feishu: string; html: string }> = [
  { feature: 'bold', source: '**SUP-1** filed', slack: '*SUP-1* filed', teams: '**SUP-1** filed', feishu: '**SUP-1** filed', html: '<strong>SUP-1</strong> filed' },
  { feature: 'italic', source: 'for _some_ users', slack: 'for _some_ users', teams: 'for _some_ users', feishu: 'for *some* users', html: 'for <em>some</em> users' },
  { feature: 'code', source: 'run `a<b`', slack: 'run `a&lt;b`', teams: 'run a<b', feishu: 'run `a<b`', html: 'run <code>a&lt;b</code>' },
  {
    feature: 'link',
    source: '[runbook](https://x.example/rb?a=1&b=2)',
    slack: '<https://x.example/rb?a=1&b=2|runbook>',
    teams: '[runbook](https://x.example/rb?a=1&b=2)',
    feishu: '[runbook](https://x.example/rb?a=1&b=2)',
    html: '<a href="https://x.example/rb?a=1&amp;b=2" target="_blank" rel="noopener">runbook</a>',
  },
  { feature: 'list', source: 'Steps\n- one\n- two', slack: 'Steps\n• one\n• two', teams: 'Steps\n\n- one\r- two', feishu: 'Steps\n- one\n- two', html: 'Steps<br>• one<br>• two' },
  { feature: 'mention', source: 'by <@feishu:ou_1>', slack: 'by &lt;@feishu:ou_1&gt;', teams: 'by <@feishu:ou_1>', feishu: 'by <at id=ou_1></at>', html: 'by &lt;@feishu:ou_1&gt;' },
  { feature: 'code block', source: '```\nx *y*\n```', slack: '```\nx *y*\n```', teams: 'x *y*', feishu: '```\nx *y*\n```', html: '<pre>x *y*\n</pre>' },
  { feature: 'a word with underscores', source: 'snake_case_name', slack: 'snake_case_name', teams: 'snake_case_name', feishu: 'snake_case_name', html: 'snake_case_name' },
];

describe.each(table)('$feature in the markdown subset', (row) => {
  it('is written as Slack mrkdwn', () => expect(toMrkdwn(row.source)).toBe(row.slack));
  it('is written as Adaptive Card markdown', () => expect(toCardMarkdown(row.source)).toBe(row.teams));
  it('is written as Feishu card markdown', () => expect(toFeishuMarkdown(row.source)).toBe(row.feishu));
  it('is written as playground HTML', () => expect(markdownToHtml(row.source)).toBe(row.html));
});
