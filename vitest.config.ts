import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that load the machine on purpose (hundreds of requests a second, tens of thousands of
 * commands): they run after the rest, one at a time, so they neither starve the timing-sensitive
 * tests (kill -9, signals) nor are starved by them.
 */
const heavy = ['test/slack/load.test.ts', 'test/store/db-size.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...heavy], fileParallelism: true, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: heavy, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
