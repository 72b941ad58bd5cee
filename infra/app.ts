// CDK entry point (cdk.json "app"): the configuration comes from the context, see infra/config/load.ts.

import { createSyncWardenApp } from './aws/synth.js';
import { ConfigError } from './config/schema.js';

try {
  createSyncWardenApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
