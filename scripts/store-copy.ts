/**
 * `npm run store:copy -- <from-url> <to-url>`: copies a deployment's whole state from one store to
 * an empty one (SQLite → PostgreSQL is the usual move; see src/state/copy.ts for what is copied),
 * then verifies it by counts per kind of record and a spot check of a sample through both stores.
 * Stop aftercare first (or copy from a PostgreSQL snapshot, which is consistent while it runs):
 * what a running bot writes during the copy is not in it.
 *
 * Exit status: 0 copied and verified, 1 failed (the message says why), 2 bad arguments.
 */
import { copyState, RECORD_KINDS } from '../src/state/copy.js';

const [from, to] = process.argv.slice(2).filter((a) => a !== '--');
if (!from || !to) {
  console.error('usage: npm run store:copy -- <from-url> <to-url>\n  e.g. npm run store:copy -- sqlite://./data/aftercare.sqlite postgres://aftercare:secret@db:5432/aftercare');
  process.exit(2);
}
try {
  const report = await copyState(from, to, (line) => process.stderr.write(`\r${line}`));
  process.stderr.write('\n');
  console.log(`copied ${report.from} → ${report.to}`);
  for (const kind of RECORD_KINDS) console.log(`  ${kind.padEnd(9)} ${String(report.copied[kind]).padStart(8)} copied ${String(report.found[kind]).padStart(8)} found`);
  console.log(`  spot check: ${report.spotChecked} records read the same through both stores`);
} catch (e) {
  console.error(`\nstore:copy failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
