// Vitest as Stryker runs it (stryker.config.mjs): the suite's settings, over the tests that exercise the
// mutated modules directly (unit tests, the lock, watermark and records-store integration tests (its faults and its replacement rule too), the
// Access Denied causes against the simulator, the audit's window reads). The end-to-end sync runs are left out: each takes seconds
// and reaches every mutant of the watermark and the pager, which would make one bench take hours on two
// cores; a mutant only they would kill shows up as a survivor and gets a direct test instead. The global
// setup joins the single DynamoDB Local the bench started, so no Stryker runner (nor one Stryker
// restarts) starts a JVM of its own.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

const merged = mergeConfig(base, {});
merged.test = {
  ...merged.test,
  include: [
    'test/unit/**/*.test.ts',
    'test/integration/lock/**/*.test.ts',
    'test/integration/sync/watermark.test.ts',
    'test/integration/sync/records-store.test.ts',
    'test/integration/sync/records-store-faults.test.ts',
    'test/integration/sync/records-store-puts.test.ts',
    'test/integration/sync/records-store-items.test.ts',
    'test/integration/sync/replacement-rule.test.ts',
    'test/integration/endpoint/access-denied-causes.test.ts',
    // The audit's reads of a window: from the table by key range and from the sparse index.
    'test/integration/reconcile/stored-window.test.ts',
  ],
  globalSetup: ['test/bench/mutation-global-setup.ts'],
};

export default defineConfig(merged);
