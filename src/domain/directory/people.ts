/**
 * How a person (`platform:id`) is shown in cards and notices, on every platform and the playground.
 *
 * A display name when one is known: Slack, Teams and the playground send one with every delivery.
 * Feishu deliveries carry none, so a Feishu user is often known only by open_id (the "name" a command
 * passes is then the id itself): such a person is shown as the normalized mention `<@feishu:ou_…>`,
 * which the Feishu renderer turns into a live @mention showing the person's name. Anyone else without
 * a name is shown by the bare id, never by the `platform:` key.
 */
export function personLabel(user: string, name?: string): string {
  const colon = user.indexOf(':');
  const platform = colon > 0 ? user.slice(0, colon) : '';
  const bare = colon > 0 ? user.slice(colon + 1) : user;
  const known = name?.trim();
  if (known && known !== user && known !== bare) return known;
  if (platform === 'feishu' && /^[A-Za-z0-9_-]+$/.test(bare)) return `<@${user}>`;
  return known || bare;
}
