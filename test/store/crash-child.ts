/**
 * One aftercare process for test/store/crash.test.ts: started with its environment (Slack against a
 * fake Web API, a store URL), prints `READY <url>` once it listens. SIGKILL is the point of the
 * test; SIGTERM stops it cleanly.
 */
import { startApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';

const app = await startApp(loadConfig({ ...process.env }));
process.stdout.write(`READY ${app.url}\n`);
process.once('SIGTERM', () => {
  void app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
