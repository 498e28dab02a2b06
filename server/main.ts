import { startApp } from './app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/core/log.js';

/** Entry point: `npm start`. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.logLevel });
  const app = await startApp(config, { log });
  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`aftercare failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
