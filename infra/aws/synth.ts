// Builds the CDK app from context: loads and validates the configuration, creates the stack and runs
// cdk-nag's AwsSolutions checks over it. infra/app.ts and the infra tests both start here.
import { App, type AppProps, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../config/load.js';
import { REPOSITORY_ROOT } from './service-function.js';
import { SyncWardenStack } from './stack.js';

export interface SyncWardenAppOptions extends AppProps {
  /** Run cdk-nag's AwsSolutions pack (errors fail synth). @default true */
  readonly nag?: boolean;
}

export function createSyncWardenApp(options: SyncWardenAppOptions = {}): {
  app: App;
  stack: SyncWardenStack;
} {
  const { nag = true, ...appProps } = options;
  const app = new App(appProps);
  const config = loadConfig(app.node, REPOSITORY_ROOT);
  const stack = new SyncWardenStack(app, config.stackName, { config });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}
