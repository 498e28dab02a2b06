import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJUnit } from '../../src/domain/releases/junit.js';

/** Reports as the tools write them (shapes from Maven Surefire 3, pytest 8 --junitxml, vitest 4 --reporter=junit). */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');
const SUREFIRE_FAILING = fixture('surefire-failing.xml');
const PYTEST_PASSING = fixture('pytest-passing.xml');

const VITEST = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="3" failures="1" errors="0" time="0.8">
    <testsuite name="test/a.test.ts" timestamp="2026-11-29T10:00:00.000Z" hostname="ci" tests="2" failures="0" errors="0" skipped="0" time="0.2">
        <testcase classname="test/a.test.ts" name="a &gt; works" time="0.01">
        </testcase>
        <testcase classname="test/a.test.ts" name="a &gt; works too" time="0.01">
        </testcase>
    </testsuite>
    <testsuite name="test/b.test.ts" timestamp="2026-11-29T10:00:00.000Z" hostname="ci" tests="1" failures="1" errors="0" skipped="0" time="0.6">
        <testcase classname="test/b.test.ts" name="b &gt; fails" time="0.5">
            <failure message="expected 1 to be 2" type="AssertionError">AssertionError: expected 1 to be 2</failure>
        </testcase>
    </testsuite>
</testsuites>`;

describe('JUnit XML reports', () => {
  it('reads a Maven Surefire report: one suite per class, failing cases named', () => {
    expect(parseJUnit(SUREFIRE_FAILING)).toEqual([{ suite: 'com.example.crm.PricingTest', passed: 2, failed: 1, skipped: 0, failures: ['roundsToCents'] }]);
  });

  it('reads a pytest --junitxml report with a skipped case', () => {
    expect(parseJUnit(PYTEST_PASSING)).toEqual([{ suite: 'pytest', passed: 3, failed: 0, skipped: 1, failures: [] }]);
  });

  it('reads vitest’s junit reporter: one suite per file, or one named suite for the whole report', () => {
    expect(parseJUnit(VITEST)).toEqual([
      { suite: 'test/a.test.ts', passed: 2, failed: 0, skipped: 0, failures: [] },
      { suite: 'test/b.test.ts', passed: 0, failed: 1, skipped: 0, failures: ['b > fails'] },
    ]);
    expect(parseJUnit(VITEST, 'unit')).toEqual([{ suite: 'unit', passed: 2, failed: 1, skipped: 0, failures: ['test/b.test.ts › b > fails'] }]);
  });

  it('counts from the attributes when a suite lists no cases', () => {
    expect(parseJUnit('<testsuite name="it" tests="10" failures="1" errors="2" skipped="3"/>')).toEqual([{ suite: 'it', passed: 4, failed: 3, skipped: 3, failures: [] }]);
  });

  it('refuses what is not well-formed XML or not a JUnit report', () => {
    expect(parseJUnit('<testsuite name="x">')).toEqual({ error: expect.stringContaining('not well-formed XML') });
    expect(parseJUnit('<html><body/></html>')).toEqual({ error: expect.stringContaining('not a JUnit report') });
  });
});
