import type { BackupHealth } from './service.js';
import { backupCard } from './cards.js';
import type { Services } from '../index.js';

/**
 * Pushes one backup problem to `backups` subscribers of its system. The idempotency key names the
 * problem (the failed run, or the last good backup that went stale), so the hook's immediate push and
 * every later scheduled check, on any replica, send it once.
 */
export async function pushBackupProblem(services: Services, health: BackupHealth): Promise<boolean> {
  let problem: string;
  if (health.state === 'failed' || health.state === 'incomplete') problem = `${health.state}:${health.lastFailure?.finishedAt ?? health.ageMs ?? 0}`;
  else if (health.state === 'stale') problem = `stale:${health.lastSuccessAt ?? 0}`;
  else return false;
  await services.toSubscribers('backups', health.system, (c) => backupCard([health], c), undefined, `backup:${health.system}:${problem}`);
  return true;
}

/** The scheduled check: every failed, incomplete or stale system is pushed (once per problem). Returns how many are bad. */
export async function checkBackups(services: Services): Promise<number> {
  let bad = 0;
  for (const health of await services.backups.status()) if (await pushBackupProblem(services, health)) bad++;
  return bad;
}
