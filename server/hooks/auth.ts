import { createHash, timingSafeEqual } from 'node:crypto';
import type express from 'express';

/**
 * Bearer-token guard: 503 (with how to enable) when no token is configured, 401 when
 * the request carries no or a wrong token. Compared in constant time.
 */
export function requireHookToken(token: string | undefined): express.RequestHandler {
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return (req, res, next) => {
    if (!expected) {
      res.status(503).json({ error: 'hooks are off: set AFTERCARE_HOOK_TOKEN (8+ characters) and send it as "Authorization: Bearer <token>"' });
      return;
    }
    const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const given = m ? createHash('sha256').update(m[1]!.trim()).digest() : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="aftercare hooks"').status(401).json({ error: 'missing or wrong bearer token' });
      return;
    }
    next();
  };
}
