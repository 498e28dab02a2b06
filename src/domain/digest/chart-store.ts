import { randomBytes } from 'node:crypto';
import type { StateStore } from '../../core/store.js';
import { keys } from '../../core/keys.js';

const TTL_MS = 180 * 24 * 3600_000;

/** Path under which a stored chart is served (GET, no auth: the id is unguessable). */
export const chartPath = (id: string) => `/charts/${id}.png`;
export const CHART_ID = /^[a-f0-9]{32}$/;

/**
 * Keeps a rendered PNG in the store (shared by every replica) and returns its id. Charts are
 * linked from chat cards, so they must outlive the process that drew them; they expire after 180 days.
 */
export async function saveChart(store: StateStore, png: Buffer): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await store.set(keys.chart(id), png.toString('base64'), TTL_MS);
  return id;
}

export async function loadChart(store: StateStore, id: string): Promise<Buffer | undefined> {
  if (!CHART_ID.test(id)) return undefined;
  const b64 = await store.get<string>(keys.chart(id));
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}
