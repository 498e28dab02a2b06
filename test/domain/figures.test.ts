import { describe, expect, it } from 'vitest';
import { count, dayTotals, DAY_FAMILIES, emptyTally, tallyWrites } from '../../src/domain/digest/figures.js';
import { openStore } from '../../src/state/store.js';
import { keys } from '../../src/core/keys.js';
import { tempSqliteUrl } from '../helpers/env.js';

describe('digest figures', () => {
  it('are read back by the digest under the names the services write them with', async () => {
    const store = await openStore(tempSqliteUrl('figures'));
    const at = Date.parse('2026-11-24T10:00:00Z');
    const tally = emptyTally();
    count(tally.day, 'opened');
    count(tally.day, 'opened:sev:S1');
    count(tally.day, 'cause:config', 2);
    count(tally.open, 'total');
    await store.batch(tallyWrites(tally, at));
    const totals = dayTotals(await store.hgetall(keys.aggDay('2026-11-24')));
    expect(totals.get('opened')).toBe(1);
    expect(totals.family(DAY_FAMILIES.openedBySeverity)).toEqual({ S1: 1 });
    expect(totals.family(DAY_FAMILIES.causes)).toEqual({ config: 2 });
    expect(await store.hgetall(keys.aggOpen())).toEqual({ total: 1 });
    await store.close();
  });

  it('refuse a field that does not exist, at compile time', () => {
    const tally = emptyTally();
    // @ts-expect-error 'opend' is not a digest figure: tsc fails here if the typing ever loosens.
    count(tally.day, 'opend');
    // @ts-expect-error severities are S1–S4.
    count(tally.day, 'opened:sev:S9');
    // @ts-expect-error a per-day field is not a backlog field.
    count(tally.open, 'resolved');
    expect(Object.keys(tally.day)).toEqual(['opend', 'opened:sev:S9']);
  });
});
