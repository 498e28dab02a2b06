import type { RequestHandler } from 'express';
import type { Logger } from '../../src/core/log.js';
import { headerValue } from '../kit/headers.js';

/** Slack's replay window for signed requests: five minutes either way. */
export const SIGNATURE_WINDOW_S = 5 * 60;

/**
 * Runs before Bolt's receiver on POST /slack/events and closes two gaps Bolt leaves (SDK-NOTES):
 * - Bolt rejects timestamps more than 5 minutes old but accepts any in the future: a request
 *   stamped more than 5 minutes ahead is refused with 401 here, so the window is symmetric.
 * - Bolt compares the content type exactly; `application/x-www-form-urlencoded; charset=utf-8`
 *   would be parsed as JSON and refused with 400. Parameters are dropped (the signature covers the
 *   body only, so this changes nothing that is verified).
 * Signatures themselves are verified by Bolt (v0 HMAC-SHA256 over `v0:<ts>:<raw body>`), which
 * answers 401 to anything else.
 */
export function slackRequestGuard(log: Logger, now: () => number = Date.now): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const ts = Number(headerValue(req.headers, 'x-slack-request-timestamp'));
    if (Number.isFinite(ts) && ts > now() / 1000 + SIGNATURE_WINDOW_S) {
      log.warn('slack request refused: timestamp in the future', { skewS: Math.round(ts - now() / 1000) });
      res.status(401).end();
      return;
    }
    const type = req.headers['content-type'];
    if (typeof type === 'string' && type.includes(';')) req.headers['content-type'] = type.split(';')[0]!.trim().toLowerCase();
    next();
  };
}
