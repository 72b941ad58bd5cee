// Builds the CDK app from context: loads and validates the configuration, creates the stack and runs
// cdk-nag's AwsSolutions checks over it (nested stacks included: Aspects reach the whole construct tree).
// infra/app.ts and the infra tests both start here.
import { App, type AppProps, Aspects } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../config/load.js';
import { checkConstructCounts, checkTemplates } from './deploy-limits.js';
import { REPOSITORY_ROOT } from './service-function.js';
import { SyncWardenStack } from './stack.js';

export interface SyncWardenAppOptions extends AppProps {
  /** Run cdk-nag's AwsSolutions pack (errors fail synth). @default true */
  readonly nag?: boolean;
}

/** Throws ConfigError for a bad configuration and DeployLimitError for one over a CloudFormation limit. */
export function createSyncWardenApp(options: SyncWardenAppOptions = {}): {
  app: App;
  stack: SyncWardenStack;
} {
  const { nag = true, ...appProps } = options;
  const app = new App(appProps);
  const config = loadConfig(app.node, REPOSITORY_ROOT);
  const stack = new SyncWardenStack(app, config.stackName, { config });
  // Before CDK's own resource check, which would fail synth with a stack trace.
  checkConstructCounts(app);
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}

/** Synthesizes and checks every template written (bytes, parameters, outputs, mappings) against CloudFormation's limits. */
export function synthesizeWithinLimits(app: App): CloudAssembly {
  const assembly = app.synth();
  checkTemplates(app, assembly);
  return assembly;
}
