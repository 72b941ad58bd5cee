// Wires the real key stack (cached Secrets Manager source over a mocked SDK client) and the real client
// (node:http transport, Powertools logger and metrics) to a simulator, and captures every byte of output.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { CachedKeySource } from '../../../functions/app-key/cached-key-source.js';
import { SecretsManagerKeySource } from '../../../functions/app-key/secrets-manager-source.js';
import type { HttpTransport } from '../../../functions/endpoint/http-request.js';
import {
  ThingWorxClient,
  type ThingWorxClientOptions,
} from '../../../functions/endpoint/thingworx-client.js';
import {
  type SimulatorOptions,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { type CapturedOutput, captureOutput } from '../../support/capture-logs.js';

export const SECRET_ID = 'test/thingworx/app-key';
export const secretsManager = mockClient(SecretsManagerClient);

/** The secret as Secrets Manager would hold it; tests change it to rotate. */
export class MockedSecret {
  private version = 0;
  value = '';
  versionId = '';

  constructor() {
    secretsManager
      .on(GetSecretValueCommand)
      .callsFake(() => ({ SecretString: this.value, VersionId: this.versionId }));
  }

  /** `put-secret-value`: a new value with a new VersionId. */
  put(content: { appKey: string; expiresAt?: string; keyName?: string }): void {
    this.version += 1;
    this.value = JSON.stringify(content);
    this.versionId = `ver-${this.version}`;
  }

  reads(): number {
    return secretsManager.commandCalls(GetSecretValueCommand).length;
  }
}

export interface Harness {
  readonly client: ThingWorxClient;
  readonly keySource: CachedKeySource;
  /** Waits the client asked for (it never really waits in these tests). */
  readonly sleeps: number[];
}

export function clientFor(
  sim: ThingWorxSimulator,
  options: Partial<ThingWorxClientOptions> = {},
  deps: { transport?: HttpTransport } = {},
): Harness {
  const keySource = new CachedKeySource(
    new SecretsManagerKeySource({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      secretId: SECRET_ID,
    }),
  );
  const sleeps: number[] = [];
  const client = new ThingWorxClient(
    {
      baseUrl: sim.baseUrl,
      keySource,
      deadlineEpochMs: Date.now() + 60_000,
      requestTimeoutMs: 5_000,
      ...(sim.caCertificatePem ? { caCertificatePem: sim.caCertificatePem } : {}),
      ...options,
    },
    {
      // Real clock; waits are recorded and skipped so the tests stay fast.
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...deps,
    },
  );
  return { client, keySource, sleeps };
}

export const QUERY = { maxItems: 5, oldestFirst: true };

/** Starts capturing; `finish` restores and asserts none of the secrets ever appeared. */
export function captureAndForbid(): { output: CapturedOutput; finish(secrets: readonly string[]): void } {
  const output = captureOutput();
  return {
    output,
    finish(secrets) {
      output.restore();
      const text = output.text();
      for (const secret of secrets) expect(text, 'a key value appeared in the output').not.toContain(secret);
    },
  };
}

/** The structured log lines and EMF records about access denials in the captured output. */
export function authFailures(output: CapturedOutput): { logged: string[]; counted: string[] } {
  const lines = output.jsonLines();
  return {
    logged: lines
      .filter((line) => typeof line.authFailureCause === 'string')
      .map((line) => String(line.authFailureCause)),
    counted: lines.filter((line) => line.AuthFailure === 1).map((line) => String(line.Cause)),
  };
}

/** What each endpoint test starts from: the suite's simulator, a fresh secret, and all output captured. */
export interface EndpointFixture {
  readonly sim: ThingWorxSimulator;
  readonly secret: MockedSecret;
  readonly capture: ReturnType<typeof captureAndForbid>;
  /** Every key value handed out in this test: none may appear in any output. */
  readonly keyValues: string[];
  /** A fresh simulator key, stored in the mocked secret. */
  newKey(
    input?: Parameters<ThingWorxSimulator['keys']['add']>[0],
    expiresAt?: string,
  ): ReturnType<ThingWorxSimulator['keys']['add']>;
}

/** Registers the suite's hooks: one simulator per suite; secret, faults, clock and capture reset per test. */
export function endpointFixture(options: SimulatorOptions): EndpointFixture {
  const state = {} as {
    sim: ThingWorxSimulator;
    secret: MockedSecret;
    capture: ReturnType<typeof captureAndForbid>;
    keyValues: string[];
  };
  beforeAll(async () => {
    state.sim = await startThingWorxSimulator(options);
  });
  afterAll(async () => {
    await state.sim.stop();
  });
  beforeEach(() => {
    secretsManager.reset();
    state.secret = new MockedSecret();
    state.sim.faults.clear();
    state.sim.clock.setOffsetMs(0);
    state.sim.requests.reset();
    state.keyValues = [];
    state.capture = captureAndForbid();
  });
  afterEach(() => {
    state.capture.finish(state.keyValues);
  });
  return {
    get sim() {
      return state.sim;
    },
    get secret() {
      return state.secret;
    },
    get capture() {
      return state.capture;
    },
    get keyValues() {
      return state.keyValues;
    },
    newKey(input = {}, expiresAt) {
      const key = state.sim.keys.add(input);
      state.keyValues.push(key.keyId);
      state.secret.put({ appKey: key.keyId, keyName: key.name, ...(expiresAt ? { expiresAt } : {}) });
      return key;
    },
  };
}
