// StrykerJS over the invariants that matter most: the lease lock, the watermark commit, the pager,
// commit ordering, the records store and the Access Denied diagnosis. Run it with `npm run
// bench:mutation` (test/bench/mutation.bench.ts), which starts the one DynamoDB Local every test
// runner shares, then reads the JSON report, applies stryker.equivalent.json and prints the score per
// file. Not part of `npm test`.

/** The files mutated; the bench's per-file targets are over exactly these. */
export const MUTATION_TARGETS = [
  'functions/lock/**/*.ts',
  'functions/sync/watermark.ts',
  'functions/sync/paginate.ts',
  // How the pager judges each answer: bounds, order, cuts (and which end a cut keeps).
  'functions/sync/source-answers.ts',
  'functions/sync/ordered-commits.ts',
  'functions/sync/records-store.ts',
  // The records store's parts: the item and its one replacement rule, the read-back, the INSERT batches.
  'functions/sync/record-item.ts',
  'functions/sync/stored-versions.ts',
  'functions/sync/insert-statements.ts',
  // The INSERTs' AttributeValues, built by the store itself: a wrong value is a wrong stored record.
  'functions/sync/attribute-values.ts',
  // Which records the audit reads from the table by key range and which from the sparse index: a wrong
  // answer hides records from the audit, or bills the index for records the table already orders.
  'functions/shared/source-time-order.ts',
  'functions/reconcile/stored-window.ts',
  'functions/endpoint/diagnose.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Tests that import the mutated files (Vitest's related files), with no global setup of their own:
  // the bench starts a single DynamoDB Local and hands its endpoint to every runner.
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  mutate: MUTATION_TARGETS,
  // Module-level code (constants, class bodies) would need every test to run for every mutant; Stryker
  // reports such mutants as ignored, so the score is over code the tests reach per test.
  ignoreStatic: true,
  // Two cores shared by the whole team: the bench passes --concurrency (default 2).
  concurrency: 2,
  // A mutant that loops is cut off: a generous base because integration tests wait on real sockets.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 30,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['cdk.out', '.syncwarden', 'coverage', 'reports', '.stryker-tmp', '*.log'],
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  // The bench enforces 90% per file itself, after the reviewed equivalent mutants are set aside.
  thresholds: { high: 90, low: 90, break: null },
};
