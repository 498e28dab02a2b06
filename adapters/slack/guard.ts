import { isValidSlackRequest } from '@slack/bolt';
import express, { type RequestHandler } from 'express';
import type { Logger } from '../../src/core/log.js';
import { headerValue } from '../kit/headers.js';
import { blockActionsSchema, eventEnvelopeSchema, slashCommandSchema, viewSubmissionSchema } from './inbound.js';

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
export function slackRequestGuard(log: Logger, signingSecret: string, now: () => number = Date.now): RequestHandler {
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
    readBody(req, res, (err?: unknown) => {
      if (err) return next(err);
      // Bolt reads the body we have read (its `rawBody`), and verifies the signature over it.
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      (req as typeof req & { rawBody?: Buffer }).rawBody = raw;
      // Only a signed request is judged here (Bolt answers an unsigned or forged one with 401).
      const signed = isValidSlackRequest({
        signingSecret,
        body: raw.toString('utf8'),
        headers: { 'x-slack-signature': headerValue(req.headers, 'x-slack-signature') ?? '', 'x-slack-request-timestamp': ts },
        nowMilliseconds: now(),
      });
      if (signed && !dispatchable(raw.toString('utf8'), String(req.headers['content-type'] ?? ''))) {
        log.warn('slack request refused: not a Slack payload', { contentType: req.headers['content-type'], bytes: raw.length });
        res.status(400).json({ error: 'not a Slack payload: expected a slash command form, an interactivity payload or an Events API JSON object with a type' });
        return;
      }
      next();
    });
  };
}

/** Bolt's own body limit (4 MB): a bigger body is a 413 before anything reads it. */
const readBody = express.raw({ type: () => true, limit: '4mb' });

/**
 * Whether the body is one our listeners take, in the shape they read: a slash command, a
 * block_actions or view_submission payload, an Events API callback or URL check (or Slack's
 * `ssl_check`). Bolt itself reads fields before any listener runs, so anything else would reach
 * it as a 500, or wait 3 s for a listener that never comes.
 */
function dispatchable(raw: string, contentType: string): boolean {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw);
      const payload = form.getAll('payload');
      if (payload.length === 0) return form.get('ssl_check') !== null || slashCommandSchema.safeParse(Object.fromEntries(form)).success;
      if (payload.length !== 1) return false;
      return dispatchableInteraction(JSON.parse(payload[0]!));
    }
    return dispatchableEvent(JSON.parse(raw));
  } catch {
    return false;
  }
}

/** An interactivity payload our listeners take (block_actions, view_submission). */
function dispatchableInteraction(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as Record<string, unknown>;
  // Bolt reads `body.channel.id` and the like whenever the key is there: null is not an object.
  if (['channel', 'team', 'user', 'container', 'message', 'view', 'enterprise'].some((k) => k in b && (typeof b[k] !== 'object' || b[k] === null))) return false;
  if (b.type === 'block_actions') return blockActionsSchema.safeParse(b).success;
  if (b.type === 'view_submission') return viewSubmissionSchema.safeParse(b).success;
  return false;
}

/** An Events API body our listeners take (a message-like callback), or Slack's URL check. */
function dispatchableEvent(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as { type?: unknown; challenge?: unknown };
  if (b.type === 'url_verification') return typeof b.challenge === 'string';
  if (b.type === 'event_callback') return eventEnvelopeSchema.safeParse(b).success;
  return false;
}

/**
 * The same judgement for a Socket Mode envelope's payload (already JSON): a slash command (the
 * form's fields as an object), an interactivity payload or an Events API body.
 */
export function dispatchableSocketPayload(body: unknown): boolean {
  if (body && typeof body === 'object' && 'command' in body) return slashCommandSchema.safeParse(body).success;
  if (body && typeof body === 'object' && (body as { type?: unknown }).type === 'event_callback') return dispatchableEvent(body);
  return dispatchableInteraction(body);
}
