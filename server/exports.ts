import type { Express } from 'express';
import type { Logger } from '../src/core/log.js';
import type { Services } from '../src/domain/index.js';

/**
 * `GET /exports/<token>.csv`: an audit log export made with `/aftercare audit export`. The token is
 * the credential (unguessable, 24 h); an unknown or expired one is 404, saying nothing more. The
 * CSV streams from the store to the socket, so a large log never sits in memory.
 */
export function mountExports(app: Express, services: Pick<Services, 'exports'>, log: Logger): void {
  app.get('/exports/:file', async (req, res, next) => {
    const m = /^([\w-]{32})\.csv$/.exec(req.params.file);
    const spec = m ? await services.exports.find(m[1]!) : undefined;
    if (!spec) {
      res.status(404).json({ error: 'no such export (links last 24 hours)' });
      return;
    }
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.set({ 'Content-Disposition': `attachment; filename="audit${spec.org ? `-${spec.org}` : ''}.csv"`, 'Cache-Control': 'no-store' });
    try {
      await services.exports.stream(spec, res);
    } catch (e) {
      log.error('audit export failed', { error: e });
      if (!res.headersSent) next(e);
      else res.destroy(e as Error);
    }
  });
}
