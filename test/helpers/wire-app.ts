import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/core/log.js';

/**
 * A logger for wire tests: keeps only `level` and above, and prints nothing unless WIRE_LOG is
 * set (then every kept line goes to the console, for debugging a failing wire test).
 */
export function wireLog(level: 'warn' | 'error' = 'warn'): Logger {
  return createLogger({ level, sink: (l) => { if (process.env.WIRE_LOG) console.log(l); } });
}

/** The real server on loopback with a throwaway SQLite store, as the wire tests start it. */
export interface WireApp {
  app: RunningApp;
  /** The temp dir holding the SQLite file. */
  dir: string;
  /** Stops the server and removes the temp dir. */
  stop(): Promise<void>;
  /** Removes the temp dir (after stopping the server and whatever else used it). */
  removeDir(): void;
}

/**
 * Starts the real server (startApp) on 127.0.0.1 with a random port, the playground off and a
 * fresh SQLite store `<dir>/<db>.sqlite` in a temp dir named `aftercare-<prefix>-…`; `env` adds
 * the platform's settings (and may override any of these).
 */
export async function startWireApp(options: { prefix: string; db?: string; env: Record<string, string>; log?: Logger }): Promise<WireApp> {
  const dir = mkdtempSync(join(tmpdir(), `aftercare-${options.prefix}-`));
  const app = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: `sqlite://${join(dir, `${options.db ?? 'wire'}.sqlite`)}`,
      AFTERCARE_PLAYGROUND: 'off',
      ...options.env,
    }),
    { log: options.log ?? wireLog() },
  );
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  return {
    app,
    dir,
    removeDir,
    async stop() {
      await app.stop();
      removeDir();
    },
  };
}
