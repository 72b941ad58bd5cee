import { defineConfig } from 'vitest/config';

// The SDK warns that releases after January 2027 need Node 22; the lockfile pins today's versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/infra/**/*.test.ts'],
    // One DynamoDB Local for the whole run; tests isolate themselves with their own tables.
    globalSetup: ['test/support/dynamodb-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The machine has 2 cores and DynamoDB Local (a JVM) needs one of them.
    maxWorkers: 2,
    reporters: ['default'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
