/** One aftercare replica for the multi-process tests: started with its environment, prints READY <url>. */
import { startApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';

const app = await startApp(loadConfig({ ...process.env }));
process.stdout.write(`READY ${app.url}\n`);
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
