/**
 * `npm run slack:manifest [-- --check]`: writes the slash commands of manifest.yml from the command
 * vocabulary (src/core/catalogue.ts): name, English description and usage hint, every one sent to
 * the app's one request URL. The rest of the manifest (and its comments) is left as it is. With
 * `--check`, changes nothing and fails when the manifest is out of date (test/slack/manifest.test.ts
 * checks the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, Scalar } from 'yaml';
import { catalogue } from '../src/core/catalogue.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const path = join(root, 'manifest.yml');
const before = readFileSync(path, 'utf8');
const doc = parseDocument(before);
const url = String(doc.getIn(['settings', 'interactivity', 'request_url']));
const quoted = (text: string) => Object.assign(new Scalar(text), { type: Scalar.QUOTE_DOUBLE });
const commands = catalogue.map((c) => ({ command: `/${c.name}`, url, description: c.description.en, usage_hint: quoted(c.usage), should_escape: true }));
doc.setIn(['features', 'slash_commands'], doc.createNode(commands));
// Only the slash commands change: the rest of the file (comments, folded text) is kept byte for byte.
const section = /^ {2}slash_commands:\n(?: {4}.*\n)*/m;
const generated = section.exec(doc.toString({ lineWidth: 0 }))?.[0];
if (!generated || !section.test(before)) throw new Error('manifest.yml has no features.slash_commands list');
const after = before.replace(section, generated);

if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('manifest.yml is out of date: run npm run slack:manifest');
    process.exitCode = 1;
  } else console.log('manifest.yml lists every command of the vocabulary');
} else if (after === before) {
  console.log('manifest.yml is up to date');
} else {
  writeFileSync(path, after);
  console.log(`manifest.yml: ${commands.length} slash commands written`);
}
