import type { StateStore } from '../../core/store.js';
import { keys } from '../../core/keys.js';
import { chartId } from './chart.js';

const TTL_MS = 180 * 24 * 3600_000;
/** The platforms' own copies (Feishu img_key) are kept as long as the picture. */
const UPLOADED_TTL_MS = TTL_MS;

/** Path under which a stored chart is served (GET, no auth: the id is a digest of the picture). */
export const chartPath = (id: string) => `/charts/${id}.png`;
export const CHART_ID = /^[a-f0-9]{32}$/;

/**
 * Keeps a rendered PNG in the store (shared by every replica) and returns its id, a digest of its
 * bytes: the same picture is stored once, and a platform that uploads pictures uploads it once.
 * Charts are linked from chat cards, so they must outlive the process that drew them; they expire
 * after 180 days (saving the same picture again renews that).
 */
export async function saveChart(store: StateStore, png: Buffer): Promise<string> {
  const id = chartId(png);
  await store.set(keys.chart(id), png.toString('base64'), TTL_MS);
  return id;
}

export async function loadChart(store: StateStore, id: string): Promise<Buffer | undefined> {
  if (!CHART_ID.test(id)) return undefined;
  const b64 = await store.get<string>(keys.chart(id));
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}

/** The store-backed ImageSource the composition root hands to adapters (see src/core/ports.ts). */
export function chartImages(store: StateStore) {
  return {
    load: (id: string) => loadChart(store, id),
    uploadedKey: (platform: string, id: string) => store.get<string>(keys.uploadedImage(platform, id)),
    rememberUploaded: (platform: string, id: string, key: string) => store.set(keys.uploadedImage(platform, id), key, UPLOADED_TTL_MS),
  };
}
