import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One test suite's outcome as CI reported it. Counts are test cases. */
export interface SuiteReport {
  suite: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Names of the failing test cases (at most 20), to say what failed. */
  failures: string[];
  url?: string;
}

const MAX_FAILURES = 20;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Elements that may repeat are always arrays, so one suite or one case reads like many.
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
  processEntities: true,
});

type XmlNode = Record<string, unknown>;

const asNodes = (v: unknown): XmlNode[] => (Array.isArray(v) ? (v as XmlNode[]) : []);
const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
};

/**
 * Reads a JUnit XML report as CI tools write it: Maven Surefire (one `<testsuite>` root per test
 * class), pytest `--junitxml` (`<testsuites><testsuite name="pytest">`), vitest's `junit` reporter
 * (`<testsuites>` with one `<testsuite>` per test file). Nested suites (JUnit 5 / some runners)
 * are read recursively. A suite's figures come from its `<testcase>` elements when it has them (a
 * case with `<failure>` or `<error>` failed, one with `<skipped>` was skipped), else from its
 * `tests`/`failures`/`errors`/`skipped` attributes.
 *
 * With `suite`, the whole report counts as that one suite (CI names the stage: `unit`,
 * `integration`); otherwise each `<testsuite>` is a suite under its own `name`.
 * Returns an error message for what is not a JUnit report.
 */
export function parseJUnit(xml: string, suite?: string): SuiteReport[] | { error: string } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { error: `not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  const doc = parser.parse(xml) as XmlNode;
  const roots = doc.testsuites ? asNodes((doc.testsuites as XmlNode).testsuite) : asNodes(doc.testsuite);
  if (!doc.testsuites && !doc.testsuite) return { error: 'not a JUnit report: expected a <testsuites> or <testsuite> root element' };
  const leaves: SuiteReport[] = [];
  const visit = (node: XmlNode, prefix: string) => {
    const name = String(node.name ?? '').trim() || prefix || 'tests';
    const children = asNodes(node.testsuite);
    for (const child of children) visit(child, name);
    const cases = asNodes(node.testcase);
    if (!cases.length && children.length) return;
    const report: SuiteReport = { suite: name, passed: 0, failed: 0, skipped: 0, failures: [] };
    if (cases.length) {
      for (const c of cases) {
        if (asNodes(c.failure).length || asNodes(c.error).length) {
          report.failed++;
          if (report.failures.length < MAX_FAILURES) report.failures.push(String(c.name ?? '?'));
        } else if (c.skipped !== undefined) report.skipped++;
        else report.passed++;
      }
    } else {
      report.failed = num(node.failures) + num(node.errors);
      report.skipped = num(node.skipped ?? node.disabled);
      report.passed = Math.max(0, num(node.tests) - report.failed - report.skipped);
    }
    leaves.push(report);
  };
  for (const root of roots) visit(root, '');
  if (!suite) return leaves;
  const whole: SuiteReport = { suite, passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const l of leaves) {
    whole.passed += l.passed;
    whole.failed += l.failed;
    whole.skipped += l.skipped;
    whole.failures.push(...l.failures.map((f) => `${l.suite} › ${f}`));
  }
  whole.failures = whole.failures.slice(0, MAX_FAILURES);
  return [whole];
}
