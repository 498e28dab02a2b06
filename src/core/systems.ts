/**
 * The one system-name rule, used at every entry point (commands, hooks, subscriptions, backups,
 * releases): a system is whatever the customer calls it, in any script (`财务系统`, `CRM Prod`).
 *
 * - shown as first written, after Unicode NFKC (full-width `ＣＲＭ` is `CRM`), trimmed, inner runs of
 *   white space made one space;
 * - matched case-insensitively on that form (`crm prod` and `CRM  Prod` are one system).
 *
 * This is aftercare's own rule (what counts as "the same system"), so it lives here rather than in a
 * library; the Unicode work itself is the platform's `String.prototype.normalize`.
 */

/** Longest accepted name, in code points after normalising. */
export const SYSTEM_NAME_MAX = 64;

/** The form a name is shown in: NFKC, trimmed, white space collapsed. Empty when nothing is left. */
export function systemDisplay(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** The form names are matched and stored under: the display form, case-folded. */
export function systemKey(raw: string): string {
  return systemDisplay(raw).toLowerCase();
}

/** Two spellings name the same system. */
export function sameSystem(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && systemKey(a) === systemKey(b);
}

/**
 * A name as typed or sent → its display form, or `undefined` when it is not a usable name: empty,
 * longer than {@link SYSTEM_NAME_MAX}, or containing control characters or the characters that
 * frame command arguments (`"`, `:` at the start).
 */
export function parseSystemName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const shown = systemDisplay(raw);
  if (!shown || [...shown].length > SYSTEM_NAME_MAX) return undefined;
  if (/[\p{Cc}\p{Cf}"]/u.test(shown) || shown.startsWith(':')) return undefined;
  return shown;
}

/**
 * A system name taken from a monitoring payload (a label, a host name): never refused, since the
 * alert must not be lost; an unusable one is cut to length, and an empty one becomes `fallback`.
 */
export function systemFromSource(raw: string | undefined, fallback = 'unknown'): string {
  const shown = systemDisplay((raw ?? '').replace(/[\p{Cc}\p{Cf}"]/gu, ' '));
  return [...shown].slice(0, SYSTEM_NAME_MAX).join('').trim() || fallback;
}
