import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** A checkpoint is asked for after this many commits… */
const COMMITS_PER_CHECKPOINT = 100;
/** …and runs at least this often while there are commits to copy. */
const INTERVAL_MS = 2_000;
/** The checkpoint after a commit is asked for this much later (see ACK_GRACE_MS). */
const ASK_DELAY_MS = 5;
/** SQLite's own default, used again when the worker is gone. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * The worker: its own connection to the same file, running PASSIVE checkpoints (they never block
 * writers or readers) on a timer. Plain CommonJS so it runs the same under tsx and compiled.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
  }
};
let dirty = false;
// 'commits': the main thread made some; a checkpoint copies them now, the timer catches a quiet tail.
const timer = setInterval(() => {
  if (dirty) checkpoint();
  dirty = false;
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'commits') {
    dirty = true;
    checkpoint();
    return;
  }
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Counts a commit; every 100th asks the worker for a checkpoint. */
  committed(): void;
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints of `db` off this thread: turns SQLite's automatic checkpoint (which runs
 * inside whichever commit crosses 1,000 pages) off and starts a worker thread that checkpoints
 * after every 100 commits (asked 5 ms after the commit), and within 2 s of the last ones; an idle database is left alone. If the
 * worker fails, automatic checkpoints come back on, so the WAL never grows without bound.
 */
export function startCheckpointer(db: Database.Database, path: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let running = true;
  let commits = 0;
  let asked = false;
  const fallBack = (why: string) => {
    if (!running) return;
    running = false;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'sqlite checkpoint worker stopped; checkpoints run inline again', why })}\n`);
  };
  worker.on('message', (m: { error?: string }) => {
    if (m.error) process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'sqlite checkpoint failed', error: m.error })}\n`);
  });
  worker.on('error', (e) => fallBack(String(e)));
  worker.on('exit', (code) => fallBack(`exit ${code}`));
  return {
    committed() {
      if (++commits % COMMITS_PER_CHECKPOINT !== 1 || !running || asked) return;
      // Asked a moment later: the commit is often an ack's, whose answer is about to be written.
      asked = true;
      setTimeout(() => {
        asked = false;
        if (running) worker.postMessage('commits');
      }, ASK_DELAY_MS).unref();
    },
    async stop() {
      if (!running) return;
      running = false;
      const done = new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', () => resolve());
      });
      worker.postMessage('stop');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}
