import { z } from 'zod';

/**
 * A link that may reach a card or page: http or https only. Anything else a sender puts in a
 * URL field (`javascript:`, `data:`, a bare word) would become a clickable link on every platform
 * and an `href` in the playground.
 */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The boundary check of a URL field: a 400 names the field (`url: expected an http(s) URL`). */
export const httpUrl = z.string().refine(isHttpUrl, 'expected an http(s) URL');

/** An optional URL field that senders may also leave empty (Zabbix's {TRIGGER.URL} often is). */
export const optionalHttpUrl = httpUrl.or(z.literal('')).optional();
