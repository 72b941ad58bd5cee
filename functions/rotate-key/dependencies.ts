// Builds the rotation's collaborators from its configuration, once per container: the Secrets Manager
// client (for the job's secret and the admin secret) and the ThingWorx access. Tests pass their own
// Secrets Manager client, clock and seams; production code is the same.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CachedKeySource } from '../app-key/cached-key-source.js';
import { SecretsManagerKeySource } from '../app-key/secrets-manager-source.js';
import type { HttpTransport } from '../endpoint/http-request.js';
import { endpointTransport } from '../endpoint/proxy-config.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import * as powertools from '../shared/powertools.js';
import type { AdminKeyCheckDependencies } from './admin-key-check.js';
import type { RotationConfig } from './rotation-config.js';
import type { RotationDependencies } from './rotation-steps.js';
import { SecretVersions } from './secret-versions.js';
import { createThingWorxAccess } from './thingworx-access.js';

export interface RotationDependencyOverrides {
  readonly secretsManager?: Pick<SecretsManagerClient, 'send'>;
  readonly clock?: Clock;
  readonly logger?: LogSink;
  readonly metrics?: DimensionedMetricsSink;
  readonly transport?: HttpTransport;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The steps' collaborators, plus what the daily admin-key check (admin-key-check.ts) reads. */
export type RotationFunctionDependencies = RotationDependencies & AdminKeyCheckDependencies;

export function createRotationDependencies(
  config: RotationConfig,
  overrides: RotationDependencyOverrides = {},
): RotationFunctionDependencies {
  const client =
    overrides.secretsManager ?? powertools.tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? powertools.logger;
  const metrics = overrides.metrics ?? powertools.metrics;
  // Uncached on purpose: an admin key replaced by hand is used from the next step on.
  const adminKey = new SecretsManagerKeySource({ client, secretId: config.adminSecretId });
  const { endpoint, adminSecretId: _adminSecretId, ...settings } = config;
  return {
    settings,
    adminKey,
    jobName: config.jobName,
    secretsFor: (secretId) => new SecretVersions(client, secretId),
    thingworx: createThingWorxAccess(endpoint, {
      adminKey,
      clock,
      logger,
      metrics,
      // The proxy's credentials come from the admin secret, the one secret read at every step; cached, so
      // they cost no GetSecretValue per request.
      transport:
        overrides.transport ??
        endpointTransport(endpoint.transport, new CachedKeySource(adminKey, { clock })),
      ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
    }),
    clock,
    logger,
    metrics,
  };
}
