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
  let app;
  try {
    app = await startApp(config, { log });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as NodeJS.ErrnoException).code === 'EACCES') {
      process.stderr.write(`${new ConfigError('PORT', `cannot listen on ${config.host}:${config.port} (${(e as NodeJS.ErrnoException).code})`).message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  // One line, as for configuration errors.
  process.stderr.write(`aftercare failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
