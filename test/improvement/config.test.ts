import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('improvement and security configuration', () => {
  it('reads the root-cause taxonomy and the access review schedule, with their defaults', () => {
    const d = loadConfig({});
    expect(d.causes).toEqual(['code', 'config', 'data', 'infra', 'third-party', 'user-error', 'unknown']);
    expect(d.accessReviewCron).toBe('0 9 1 1,4,7,10 *');
    const c = loadConfig({ AFTERCARE_CAUSES: ' Code, vendor ,code', AFTERCARE_ACCESS_REVIEW_CRON: '0 8 * * 1' });
    expect(c.causes).toEqual(['code', 'vendor']);
    expect(c.accessReviewCron).toBe('0 8 * * 1');
  });

  it('stops start-up naming the variable when either is invalid', () => {
    expect(() => loadConfig({ AFTERCARE_CAUSES: 'code,bad cause' })).toThrow(/AFTERCARE_CAUSES/);
    expect(() => loadConfig({ AFTERCARE_CAUSES: ' , ' })).toThrow(/AFTERCARE_CAUSES/);
    expect(() => loadConfig({ AFTERCARE_ACCESS_REVIEW_CRON: 'quarterly' })).toThrow(/AFTERCARE_ACCESS_REVIEW_CRON/);
  });
});
