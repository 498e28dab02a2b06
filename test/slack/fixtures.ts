import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'slack');

/** A recorded Slack fixture (test/fixtures/slack/<name>.json), without its `_meta` note. */
export function fixture<T = Record<string, unknown>>(name: string): { payload: T; raw_body?: string } & Record<string, unknown> {
  const { _meta: _ignored, ...rest } = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
  return rest as { payload: T; raw_body?: string } & Record<string, unknown>;
}

/** A deep copy of a fixture's payload, to change freely in one test. */
export function payload<T = Record<string, unknown>>(name: string): T {
  return structuredClone(fixture<T>(name).payload);
}
