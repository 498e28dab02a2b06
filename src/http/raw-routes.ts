import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AckGate } from '../core/ack-gate.js';
import type { Logger } from '../core/log.js';
import type { RawHandler } from '../core/ports.js';

export interface RequestListenerOptions {
  /** POST path → handler, served without going through `fallback`. */
  routes: ReadonlyMap<string, RawHandler>;
  /** Everything else (the express app). */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  /** Raw routes are platform acks: background work waits while they are answered. */
  acks: Pick<AckGate, 'enter' | 'leave'>;
  log: Logger;
}

/**
 * The server's request listener: platform ack paths registered by modules (PlatformModule.routes)
 * are answered straight from node:http; express routing, its request decoration and `res.json`
 * cost about as much as the ack's own work. A handler that rejects gets a logged 500 with a
 * correlation id.
 */
export function createRequestListener(options: RequestListenerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { routes, fallback, acks, log } = options;
  return (req, res) => {
    const handler = req.method === 'POST' ? routes.get(pathOf(req.url)) : undefined;
    if (!handler) {
      fallback(req, res);
      return;
    }
    acks.enter();
    res.once('close', () => acks.leave());
    handler(req, res).catch((e: unknown) => {
      const correlationId = randomUUID().slice(0, 8);
      log.error('request failed', { correlationId, path: req.url, error: e });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'internal error', correlationId }));
    });
  };
}

/** `/feishu/events?x=1` → `/feishu/events`. */
function pathOf(url = '/'): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
