import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'teams');

/** A real-shaped Teams activity from test/fixtures/teams (the `payload` of the shared fixture), deep-copied. */
export function fixture(name: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { payload: Record<string, unknown> };
  return structuredClone(json.payload);
}
