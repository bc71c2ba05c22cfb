// Ends every test run with the plain line `tests: N passed, N failed` that CI reads
// (vitest's own summary is not in a form CI understands).
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      const tests = [...m.children.allTests()];
      if (m.state() === 'failed' && tests.length === 0) failed++; // the file failed to load
      for (const t of tests) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    // skipped tests (the real-Redis ones without a redis-server) get their own line, before the summary
    if (skipped) process.stdout.write(`\n${skipped} test(s) skipped`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  }
}
