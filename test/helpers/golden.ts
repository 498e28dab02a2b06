import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/**
 * A golden-file reader for one platform's renderer (`test/fixtures/<platform>/golden/<name>.json`).
 * `UPDATE_GOLDEN=1` rewrites the file from `actual` (review the diff before keeping it); otherwise a
 * missing file is an error, never silently created.
 */
export function goldenFor(platform: 'slack' | 'teams' | 'feishu') {
  return (name: string, actual: unknown): unknown => {
    const file = join(fixtures, platform, 'golden', `${name}.json`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
    }
    if (!existsSync(file)) throw new Error(`missing golden file ${file}: run with UPDATE_GOLDEN=1 and review it`);
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  };
}
