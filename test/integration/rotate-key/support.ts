// A rotation wired like production (real key services over loopback HTTP, real Secrets Manager client
// calls) against the ThingWorx simulator and the in-memory Secrets Manager. Tests drive the four steps
// as Secrets Manager does: RotateSecret stages the token AWSPENDING, then each step is invoked in order.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { createRotationDependencies } from '../../../functions/rotate-key/dependencies.js';
import { loadRotationConfig, type RotationConfig } from '../../../functions/rotate-key/rotation-config.js';
import { ROTATION_STEPS, type RotationStep } from '../../../functions/rotate-key/rotation-event.js';
import { type RotationDependencies, rotateKey } from '../../../functions/rotate-key/rotation-steps.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { FakeSecretsManager } from '../../support/fake-secrets-manager.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

export const KEY_USER = 'syncUser';
export const JOB_SECRET = 'syncwarden/demo/app-key';
export const JOB_NAME = 'demo';
export const ADMIN_SECRET = 'syncwarden/demo/rotation-admin';
/** The version the harness's secret starts at, as an earlier rotation left it: its key is named after it. */
export const INITIAL_TOKEN = '0b9b1f4e-6c1d-4c39-9d7a-3a1e5c2f7d10';
export const INITIAL_KEY_NAME = `demo-${INITIAL_TOKEN}`;
/** The key an operator put by hand (`initialKeyByHand`): a name no rotation would give it. */
export const HAND_PUT_KEY_NAME = 'demo-initial';
/** SYNC_TIMEOUT_SECONDS 60 + the 5 min key cache TTL. */
export const OLD_KEY_GRACE_MS = (60 + 300) * 1000;

export interface RotationHarness {
  readonly sim: ThingWorxSimulator;
  readonly secrets: FakeSecretsManager;
  /** The job secret's ARN, as Secrets Manager passes it in the event. */
  readonly secretArn: string;
  readonly config: RotationConfig;
  readonly deps: RotationDependencies;
  readonly logger: RecordingLogger;
  readonly metrics: RecordingMetrics;
  /** Runs one step for `token` (what one Lambda invocation does). */
  step(token: string, step: RotationStep): Promise<void>;
  /** A whole rotation as RotateSecret runs it; returns the token. */
  rotate(token?: string): Promise<string>;
  /** Every key value the simulator has ever issued plus the admin key: none may appear in any output. */
  keyValues(): string[];
  close(): Promise<void>;
}

export async function startRotationHarness(
  options: {
    sim?: ThingWorxSimulator;
    env?: Record<string, string>;
    initialKeyUser?: string;
    /** Start from a key put by hand (put-secret-value) instead of one an earlier rotation wrote. */
    initialKeyByHand?: boolean;
    /** More fields of the first secret value, beside the key (`proxy`, `caCertificatesPem`). */
    initialSecretFields?: Record<string, unknown>;
  } = {},
): Promise<RotationHarness> {
  const ownSim = options.sim === undefined;
  const sim = options.sim ?? (await startThingWorxSimulator({ seed: 11, initialEntries: 20 }));
  sim.keys.grant(KEY_USER, 'QueryStreamEntriesWithData');
  const admin = sim.keys.add({ name: `rotation-admin-${randomUUID().slice(0, 6)}` }); // an Administrator key
  const initialName = options.initialKeyByHand ? HAND_PUT_KEY_NAME : INITIAL_KEY_NAME;
  const initial = sim.keys.add({ name: initialName, user: options.initialKeyUser ?? KEY_USER });
  const initialExpiresAtMs = sim.keys.list().find((key) => key.name === initialName)?.expiresAtMs ?? 0;
  const issued = new Set<string>([admin.keyId, initial.keyId]);

  const secrets = new FakeSecretsManager();
  const initialValue = JSON.stringify({
    appKey: initial.keyId,
    keyName: initialName,
    expiresAt: new Date(initialExpiresAtMs).toISOString(),
    ...options.initialSecretFields,
  });
  const secretArn = secrets.createSecret(
    JOB_SECRET,
    options.initialKeyByHand ? initialValue : JSON.stringify({ appKey: '' }),
  );
  // What an earlier rotation's createSecret + finishSecret left: the version id is the key name's token.
  if (!options.initialKeyByHand) {
    secrets.answer('PutSecretValueCommand', {
      SecretId: JOB_SECRET,
      ClientRequestToken: INITIAL_TOKEN,
      SecretString: initialValue,
    });
  }
  secrets.createSecret(ADMIN_SECRET, JSON.stringify({ appKey: admin.keyId, keyName: admin.name }));

  const config = loadRotationConfig({
    ENDPOINT_BASE_URL: sim.baseUrl,
    ADMIN_SECRET_ID: ADMIN_SECRET,
    // The name, as a configuration gives it: events name the secret by its complete ARN.
    ROTATION_SECRET_ID: JOB_SECRET,
    ROTATION_JOB_NAME: JOB_NAME,
    ROTATION_KEY_USER: KEY_USER,
    ROTATION_KEY_NAME_PREFIX: 'demo',
    ROTATION_INTERVAL_DAYS: '7',
    ROTATION_TEST_THING: sim.thing,
    SYNC_TIMEOUT_SECONDS: '60',
    REQUEST_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  // No real waiting after a denied test read: the fixed pending key cannot change anyway.
  const deps = createRotationDependencies(config, {
    secretsManager: secrets.client,
    logger,
    metrics,
    sleep: async () => undefined,
  });

  const step = (token: string, name: RotationStep) =>
    rotateKey(
      deps,
      { SecretId: secretArn, ClientRequestToken: token, Step: name },
      {
        deadlineEpochMs: Date.now() + 20_000,
      },
    );
  return {
    sim,
    secrets,
    secretArn,
    config,
    deps,
    logger,
    metrics,
    step,
    rotate: async (token = randomUUID()) => {
      secrets.startRotation(JOB_SECRET, token);
      for (const name of ROTATION_STEPS) await step(token, name);
      secrets.endRotation(JOB_SECRET, token);
      return token;
    },
    keyValues: () => {
      for (const key of sim.keys.list()) {
        const value = sim.keys.keyIdOf(key.name);
        if (value) issued.add(value);
      }
      return [...issued];
    },
    close: async () => {
      if (ownSim) await sim.stop();
    },
  };
}

/** The names of the keys alive (not expired) on the server, the admin key left out. */
export function liveKeyNames(sim: ThingWorxSimulator): string[] {
  return sim.keys
    .list()
    .filter((key) => !key.expired && !key.name.startsWith('rotation-admin-'))
    .map((key) => key.name)
    .sort();
}

/** Fails the test if any key value appears in `text`. */
export function leakedKeys(text: string, keyValues: readonly string[]): string[] {
  return keyValues.filter((value) => text.includes(value));
}

/** Registers an afterEach that closes every harness a test started; returns the starter to use in tests. */
export function rotationHarnessPerTest(): (
  options?: Parameters<typeof startRotationHarness>[0],
) => Promise<RotationHarness> {
  const started: RotationHarness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((h) => h.close()));
  });
  return async (options) => {
    const h = await startRotationHarness(options);
    started.push(h);
    return h;
  };
}
