// The four steps of a Secrets Manager rotation for a ThingWorx app key. Each is idempotent, because
// Secrets Manager retries a step until it succeeds: createSecret reuses the key named after the token,
// finishSecret re-checks what is already done. AWSCURRENT moves only in finishSecret, after testSecret
// proved the new key works, so a failed rotation never touches what the sync reads.
import { MalformedSecretError } from '../app-key/key-source.js';
import { connectionFieldsOf } from '../app-key/parse-secret.js';
import type { Clock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import { PendingKeyRejectedError, RotationEventError, RotationSecretError } from './errors.js';
import {
  isRotationWrittenVersion,
  olderKeyToRetire,
  ownKeyName,
  replacedKeyToRetire,
} from './key-ownership.js';
import { parseRotatedKey, type RotatedAppKey, serializeRotatedKey } from './rotated-key-value.js';
import type { RotationConfig } from './rotation-config.js';
import type { RotationEvent } from './rotation-event.js';
import { isConfiguredSecret } from './secret-identity.js';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type SecretMetadata,
  type SecretVersions,
  versionWithStage,
} from './secret-versions.js';
import type { ThingWorxAccess } from './thingworx-access.js';

export type RotationSettings = Omit<RotationConfig, 'endpoint' | 'adminSecretId'>;

export interface RotationDependencies {
  readonly settings: RotationSettings;
  /** The job's secret, as named by the event. */
  readonly secretsFor: (secretId: string) => SecretVersions;
  readonly thingworx: ThingWorxAccess;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly metrics: DimensionedMetricsSink;
}

export interface RotationInvocation {
  /** Epoch ms by which all ThingWorx requests must be over (from the Lambda's remaining time). */
  readonly deadlineEpochMs: number;
}

interface StepContext {
  readonly deps: RotationDependencies;
  readonly secrets: SecretVersions;
  readonly token: string;
  readonly metadata: SecretMetadata;
  readonly deadlineEpochMs: number;
}

export async function rotateKey(
  deps: RotationDependencies,
  event: RotationEvent,
  invocation: RotationInvocation,
): Promise<void> {
  const token = event.ClientRequestToken;
  const logFields = { secretId: event.SecretId, versionId: token, step: event.Step };
  // Before any call: this function holds the admin key for one job's secret and acts on no other.
  if (!isConfiguredSecret(deps.settings.secretId, event.SecretId)) {
    deps.logger.error('Rotation refused: the event names another secret', {
      ...logFields,
      configuredSecretId: deps.settings.secretId,
    });
    throw new RotationEventError(
      `event.SecretId ${event.SecretId} is not the secret this function rotates (ROTATION_SECRET_ID ` +
        `${deps.settings.secretId}); nothing was changed. Each job's rotation function rotates only its own secret`,
    );
  }
  const secrets = deps.secretsFor(event.SecretId);
  deps.logger.info('Rotation step started', logFields);

  const metadata = await secrets.describe();
  if (!metadata.rotationEnabled) {
    throw new RotationEventError(`secret ${event.SecretId} does not have rotation enabled`);
  }
  const stages = metadata.stagesByVersion[token];
  if (stages === undefined) {
    throw new RotationEventError(
      `version ${token} of secret ${event.SecretId} has no staging label: unknown, or a newer rotation ` +
        'replaced it (start rotations with rotate-secret)',
    );
  }
  // finishSecret goes on for a version already current: a retry must still retire the old keys.
  if (stages.includes(AWSCURRENT) && event.Step !== 'finishSecret') {
    deps.logger.info('Version is already AWSCURRENT; nothing to do', logFields);
    return;
  }
  if (!stages.includes(AWSCURRENT) && !stages.includes(AWSPENDING)) {
    throw new RotationEventError(
      `version ${token} of secret ${event.SecretId} is neither AWSPENDING nor AWSCURRENT ` +
        `(it is ${stages.join(', ')}); only the rotation that created a version may finish it`,
    );
  }

  const context: StepContext = {
    deps,
    secrets,
    token,
    metadata,
    deadlineEpochMs: invocation.deadlineEpochMs,
  };
  switch (event.Step) {
    case 'createSecret':
      await createSecret(context);
      break;
    case 'setSecret':
      // Nothing to do: CreateApplicationKey already made the key live on ThingWorx, and there is no
      // second system (like a database user) to update.
      break;
    case 'testSecret':
      await testSecret(context);
      break;
    case 'finishSecret':
      await finishSecret(context);
      break;
  }
  deps.logger.info('Rotation step finished', logFields);
}

async function createSecret({ deps, secrets, token, deadlineEpochMs }: StepContext): Promise<void> {
  const current = await secrets.value({ stage: AWSCURRENT });
  if (current === undefined) {
    throw new RotationSecretError(
      `secret ${secrets.secretId} has no AWSCURRENT value; put the first key by hand before rotating`,
    );
  }
  if ((await secrets.value({ versionId: token, stage: AWSPENDING })) !== undefined) {
    deps.logger.info('AWSPENDING already holds the new key', {
      secretId: secrets.secretId,
      versionId: token,
    });
    return;
  }
  const currentKey = parseLeniently(deps, secrets.secretId, current);
  const { settings, clock } = deps;
  const keyName = ownKeyName(settings.keyNamePrefix, token);
  const expiresAtMs = clock.nowMs() + settings.rotationIntervalMs + settings.expiryMarginMs;
  const { keyId, reused } = await deps.thingworx.keyServices(deadlineEpochMs).ensureKey({
    name: keyName,
    user: settings.keyUser,
    expiresAtMs,
    ipAllowlist: settings.ipAllowlist,
  });
  const expiresAt = new Date(expiresAtMs).toISOString();
  // Recorded only for a key this rotation made: the rotation after next deletes whatever is recorded here.
  const previousKeyName =
    currentKey && isRotationWrittenVersion(settings.keyNamePrefix, currentKey)
      ? currentKey.keyName
      : undefined;
  if (currentKey?.keyName !== undefined && previousKeyName === undefined) {
    deps.logger.warn('The current key was not made by this rotation; it will be left alone', {
      secretId: secrets.secretId,
      versionId: current.versionId,
      keyName: currentKey.keyName,
      action: 'delete it on ThingWorx by hand once the new key is current and the grace period is over',
    });
  }
  await secrets.putPending(
    token,
    serializeRotatedKey({
      appKey: keyId,
      keyName,
      expiresAt,
      ...(previousKeyName === undefined ? {} : { previousKeyName }),
      connection: connectionFieldsOf(current.secretString),
    }),
  );
  deps.logger.info(reused ? 'Reused the key made by an earlier attempt' : 'Created a new app key', {
    secretId: secrets.secretId,
    versionId: token,
    keyName,
    keyUser: settings.keyUser,
    expiresAt,
    previousKeyName,
  });
}

async function testSecret({ deps, secrets, token, deadlineEpochMs }: StepContext): Promise<void> {
  const pending = await requireVersion(deps, secrets, token, AWSPENDING);
  const keyName = pending.keyName;
  if (keyName === undefined) {
    throw new RotationSecretError(
      `AWSPENDING version ${token} of secret ${secrets.secretId} has no "keyName", so its expiry cannot be checked`,
    );
  }
  const state = await deps.thingworx.keyServices(deadlineEpochMs).expiryState(keyName);
  if (state !== 'live') {
    throw new PendingKeyRejectedError(
      `testSecret: application key ${keyName} ${state === 'absent' ? 'does not exist' : 'is already expired'} on ThingWorx`,
      state === 'absent' ? 'missing' : 'expired',
    );
  }
  const { thing, service, params } = deps.settings.testRead;
  const source = `${secrets.secretId} (AWSPENDING ${token})`;
  try {
    await deps.thingworx.readerWithKey(pending, source, deadlineEpochMs).callService(thing, service, params);
  } catch (error) {
    const reason = (error as { reason?: unknown }).reason;
    throw new PendingKeyRejectedError(
      `testSecret: application key ${keyName} (user ${deps.settings.keyUser}) cannot call ${thing}.${service}: ` +
        `${error instanceof Error ? error.message : String(error)}`,
      typeof reason === 'string' ? reason : 'read-failed',
      { cause: error },
    );
  }
  deps.logger.info('The new key works', { secretId: secrets.secretId, versionId: token, keyName });
}

async function finishSecret({ deps, secrets, token, metadata, deadlineEpochMs }: StepContext): Promise<void> {
  const newKey = await requireVersion(deps, secrets, token);
  const currentVersionId = versionWithStage(metadata, AWSCURRENT);
  let replacedVersionId: string | undefined;
  if (currentVersionId === token) {
    replacedVersionId = versionWithStage(metadata, AWSPREVIOUS);
    deps.logger.info('Version is already AWSCURRENT; checking the old keys are retired', {
      secretId: secrets.secretId,
      versionId: token,
    });
  } else {
    await secrets.makeCurrent(token, currentVersionId);
    replacedVersionId = currentVersionId;
    // No Job dimension (one series per job, for a count no alarm reads): the log line below names the job.
    const rotated = deps.metrics.singleMetric();
    rotated.addMetric('KeyRotated', 'Count', 1);
    deps.logger.info('AWSCURRENT moved to the new key', {
      job: deps.settings.jobName,
      secretId: secrets.secretId,
      versionId: token,
      keyName: newKey.keyName,
      replacedVersionId,
    });
  }
  // Only after AWSCURRENT moved: shortening a key the sync still reads as current would break it.
  const replaced =
    replacedVersionId === undefined ? undefined : await secrets.value({ versionId: replacedVersionId });
  await retireOldKeys(
    deps,
    secrets.secretId,
    newKey,
    replaced && parseLeniently(deps, secrets.secretId, replaced),
    deadlineEpochMs,
  );
}

/**
 * Leaves at most two of its own keys alive: the replaced key works for the grace period (warm syncs still
 * hold it in their cache), the one it replaced is deleted. Keys this rotation did not make (key-ownership.ts)
 * are logged and left alone: the admin key could delete any key, so a name in the secret is not enough.
 */
async function retireOldKeys(
  deps: RotationDependencies,
  secretId: string,
  newKey: RotatedAppKey,
  replaced: RotatedAppKey | undefined,
  deadlineEpochMs: number,
): Promise<void> {
  if (replaced === undefined) {
    deps.logger.warn('The replaced secret version could not be read; no old key is retired', {
      secretId,
      action: 'delete the old application key on ThingWorx by hand if it must stop working sooner',
    });
    return;
  }
  const prefix = deps.settings.keyNamePrefix;
  const keys = deps.thingworx.keyServices(deadlineEpochMs);
  const old = replacedKeyToRetire(prefix, replaced);
  if (!old.retire) {
    leftAlone(deps, secretId, replaced.versionId, old.keyName, old.why);
  } else if (old.keyName !== newKey.keyName) {
    const oldName = old.keyName;
    const graceUntilMs = deps.clock.nowMs() + deps.settings.oldKeyGraceMs;
    const alreadySooner = replaced.expiresAt !== undefined && replaced.expiresAt.getTime() <= graceUntilMs;
    // An expired or deleted key stays that way: setting its date would bring it back to life.
    const state = alreadySooner ? 'expires-sooner' : await keys.expiryState(oldName);
    // A retried finishSecret sets the date again, a few seconds later: harmless, and never past the key's own expiry.
    if (state === 'live') await keys.setExpiration(oldName, graceUntilMs);
    deps.logger.info(state === 'live' ? 'Old key now expires after the grace period' : 'Old key left as is', {
      secretId,
      keyName: oldName,
      state,
      ...(state === 'live' ? { expiresAt: new Date(graceUntilMs).toISOString() } : {}),
    });
  }
  const older = olderKeyToRetire(prefix, replaced);
  if (!older.retire) {
    // A version that names no key before it is the normal case for the first rotations: nothing to report.
    if (older.keyName !== undefined) leftAlone(deps, secretId, replaced.versionId, older.keyName, older.why);
    return;
  }
  if (older.keyName === newKey.keyName || older.keyName === replaced.keyName) return;
  const outcome = await keys.delete(older.keyName);
  deps.logger.info(
    outcome === 'deleted' ? 'Deleted the key before it' : 'The key before it is already gone',
    { secretId, keyName: older.keyName },
  );
}

function leftAlone(
  deps: RotationDependencies,
  secretId: string,
  versionId: string,
  keyName: string | undefined,
  why: string,
): void {
  deps.logger.warn('Old key left alone: this rotation did not create it', {
    secretId,
    versionId,
    keyName,
    why,
    action: 'delete or expire it on ThingWorx by hand once the grace period is over, if it is yours',
  });
}

async function requireVersion(
  deps: RotationDependencies,
  secrets: SecretVersions,
  token: string,
  stage?: string,
): Promise<RotatedAppKey> {
  const found = await secrets.value({ versionId: token, ...(stage === undefined ? {} : { stage }) });
  if (found === undefined) {
    throw new RotationSecretError(
      `version ${token}${stage ? ` (${stage})` : ''} of secret ${secrets.secretId} has no value; ` +
        'createSecret did not complete',
    );
  }
  try {
    return parseRotatedKey(secrets.secretId, found.secretString, found.versionId);
  } catch (error) {
    deps.logger.error('New secret version is malformed', { secretId: secrets.secretId, versionId: token });
    throw new RotationSecretError(`version ${token} of secret ${secrets.secretId} is malformed`, {
      cause: error,
    });
  }
}

/** A malformed old version must not block the rotation that replaces it: it just names no key. */
function parseLeniently(
  deps: RotationDependencies,
  secretId: string,
  version: { versionId: string; secretString: string },
): RotatedAppKey | undefined {
  try {
    return parseRotatedKey(secretId, version.secretString, version.versionId);
  } catch (error) {
    if (!(error instanceof MalformedSecretError)) throw error;
    deps.logger.warn('Secret version is malformed; rotating anyway', {
      secretId,
      versionId: version.versionId,
      problem: error.problem,
    });
    return undefined;
  }
}
