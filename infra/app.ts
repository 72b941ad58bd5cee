// CDK entry point (cdk.json "app"): the configuration comes from the context, see infra/config/load.ts.
// A configuration error or a CloudFormation limit is printed as its sentence, without a stack trace.

import { DeployLimitError } from './aws/deploy-limits.js';
import { createSyncWardenApp, synthesizeWithinLimits } from './aws/synth.js';
import { ConfigError } from './config/schema.js';

try {
  synthesizeWithinLimits(createSyncWardenApp().app);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof DeployLimitError)) throw error;
  console.error(error.message);
  process.exit(1);
}
