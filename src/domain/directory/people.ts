import { can } from '../../core/capabilities.js';

/**
 * How a person (`platform:id`) is shown in cards and notices, on every platform and the playground.
 *
 * A display name when one is known (most platforms send one with every delivery). A person known
 * only by id (the "name" a command passes is then the id itself) on a platform whose mentions show
 * names (`mentionsShowNames`) is shown as the normalized mention `<@platform:id>`, which that
 * platform's renderer turns into a live mention with the name. Anyone else without a name is shown
 * by the bare id, never by the `platform:` key.
 */
export function personLabel(user: string, name?: string): string {
  const colon = user.indexOf(':');
  const platform = colon > 0 ? user.slice(0, colon) : '';
  const bare = colon > 0 ? user.slice(colon + 1) : user;
  const known = name?.trim();
  if (known && known !== user && known !== bare) return known;
  if (can(platform, 'mentionsShowNames') && /^[A-Za-z0-9_-]+$/.test(bare)) return `<@${user}>`;
  return known || bare;
}
