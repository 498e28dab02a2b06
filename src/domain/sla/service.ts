import { keys } from '../../core/keys.js';
import type { AuditLog } from '../audit/service.js';
import type { ServiceDeps } from '../deps.js';
import type { SlaContract } from './calendar.js';

/** A change to an organisation's contract: only the parts given change; `hours: null` returns to around the clock. */
export interface ContractChange {
  targets?: Partial<Record<keyof SlaContract['targets'], { respondMin: number; resolveMin: number }>>;
  hours?: SlaContract['hours'] | null;
  timezone?: string;
  holidays?: string[];
}

/**
 * SLA contracts per customer organisation (`/aftercare sla`). An organisation without one gets the
 * deployment's targets (AFTERCARE_SLA_JSON) around the clock in AFTERCARE_TIMEZONE.
 */
export function createSlaContracts(deps: ServiceDeps, audit: AuditLog) {
  const { store, config } = deps;
  const fallback = (): SlaContract => ({ targets: config.sla, timezone: config.timezone, holidays: [] });

  async function contractOf(org: string): Promise<SlaContract> {
    const stored = await store.get<SlaContract>(keys.slaContract(org));
    return stored ? { ...fallback(), ...stored, targets: { ...config.sla, ...stored.targets } } : fallback();
  }

  return {
    contractOf,
    /** Whether `org` has a contract of its own. */
    async has(org: string): Promise<boolean> {
      return (await store.get<SlaContract>(keys.slaContract(org))) !== undefined;
    },
    /** Applies `change` to `org`'s contract (audited, one batch). Returns the contract now in force. */
    async set(by: string, org: string, change: ContractChange): Promise<SlaContract> {
      const before = await contractOf(org);
      const after: SlaContract = {
        targets: { ...before.targets, ...change.targets },
        timezone: change.timezone ?? before.timezone,
        holidays: change.holidays ?? before.holidays,
      };
      const hours = change.hours === null ? undefined : (change.hours ?? before.hours);
      if (hours) after.hours = hours;
      await store.batch([{ op: 'set', key: keys.slaContract(org), value: after }, ...audit.entry(by, 'sla.contract', org, before, after)]);
      return after;
    },
  };
}
export type SlaContracts = ReturnType<typeof createSlaContracts>;
