// Vitest global setup for the mutation bench (vitest.stryker.config.ts): hands the tests the DynamoDB
// Local that `npm run bench:mutation` started, instead of starting one per Stryker test runner.
import type { TestProject } from 'vitest/node';

export const MUTATION_DYNAMODB_ENDPOINT_ENV = 'SYNCWARDEN_MUTATION_DYNAMODB_ENDPOINT';

export default function setup(project: TestProject) {
  const endpoint = process.env[MUTATION_DYNAMODB_ENDPOINT_ENV];
  if (!endpoint) {
    throw new Error(
      `${MUTATION_DYNAMODB_ENDPOINT_ENV} is not set: run the mutation tests through \`npm run bench:mutation\`, ` +
        'which starts the DynamoDB Local they share',
    );
  }
  project.provide('dynamoDbEndpoint', endpoint);
}
