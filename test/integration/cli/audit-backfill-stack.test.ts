// `syncwarden audit` and `backfill` with `--stack`: the job found through the stack's outputs and its sync
// function's environment (aws-sdk-client-mock: CloudFormation and Lambda have no local engine), its app key
// from Secrets Manager (mocked, for the same reason), its tables on DynamoDB Local and its source the
// simulator over loopback. These are the two commands that read the key with the operator's credentials,
// which a stack-created secret refuses by design: the refusal must say so, and the way past it.
import { readFileSync } from 'node:fs';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockOperatorAws, serviceError, stubOperatorEnv } from '../../support/operator-aws-mock.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { runCli } from './support.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Prod/audit-stack/app-key-AbCdEf';
const GROUP_STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Prod-Jobs01ABC-1X2Y3Z/0f0e';
const FUNCTION_NAME = 'Prod-Jobs01-JobSync-1Q2W3E';
let h: SyncHarness;
let appKey: string;
const secretsManager = mockClient(SecretsManagerClient);
const aws = mockOperatorAws();

beforeAll(async () => {
  h = await startSyncHarness('cli-audit-stack');
  appKey = (JSON.parse(readFileSync(h.keyFile, 'utf8')) as { appKey: string }).appKey;
  const nowMs = h.sim.clock.nowMs();
  h.sim.stream.generate(60, { fromMs: nowMs - 3_600_000, toMs: nowMs - 60_000 });
  await h.run();
  aws.state.stacks.set('Prod', {
    ControlTableName: h.db.tables.controlTable,
    RecordsTableName: h.db.tables.recordsTable,
    Jobs01StackId: GROUP_STACK_ID,
  });
  aws.state.stacks.set(GROUP_STACK_ID, {
    [`Operator${h.job.replace(/-/g, '')}5E6F7A8B`]: JSON.stringify({
      syncwardenJob: h.job,
      functionName: FUNCTION_NAME,
      secretId: SECRET_ARN,
      alarms: [],
    }),
  });
  aws.state.functions.set(FUNCTION_NAME, {
    SYNC_JOB_NAME: h.job,
    CONTROL_TABLE_NAME: h.db.tables.controlTable,
    RECORDS_TABLE_NAME: h.db.tables.recordsTable,
    ENDPOINT_BASE_URL: h.sim.baseUrl,
    ENDPOINT_THING: h.sim.thing,
    APP_KEY_SECRET_ID: SECRET_ARN,
  });
});

beforeEach(() => {
  secretsManager.reset();
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/syncwarden-test/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/syncwarden-test/credentials');
  stubOperatorEnv(h.db.endpoint);
  aws.resetHistory();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  aws.restore();
  secretsManager.restore();
  await h?.close();
});

const window = () => ['--from', new Date(h.sim.clock.nowMs() - 7_200_000).toISOString()];
const audit = () => runCli(['audit', '--stack', 'Prod', '--job', h.job, ...window(), '--json'], process.env);
const backfill = () =>
  runCli(['backfill', '--stack', 'Prod', '--job', h.job, ...window(), '--json'], process.env);

/** An error as the Secrets Manager client throws it for an answer of `status`. */
/** An error Secrets Manager answered with (HTTP 400), as its SDK client throws it. */
const secretsManagerError = (code: string, message: string) =>
  serviceError(code, 400, message, SecretsManagerServiceException);

describe('syncwarden audit and backfill --stack, with a key the credentials may read', () => {
  it("audit reads the job's key from the secret its function names and compares the window", async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ appKey }), VersionId: 'v1' });

    const result = await audit();

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      job: h.job,
      complete: true,
      compared: 60,
      missing: 0,
      stale: 0,
      extra: 0,
    });
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
    // The secret gives no expiresAt and no key name: the run's warning says so, and what to do.
    expect(result.stderr).toMatch(
      /^warning: The app key expiry is unknown \(AppKeyExpiryUnknown = 1\): neither the secret nor the configuration names the key .*\n$/,
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(appKey);
  });

  it('backfill re-stores the window under the lease with the same key', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ appKey }), VersionId: 'v1' });

    const result = await backfill();

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: 0, alreadyStored: 60, complete: true });
    expect(`${result.stdout}${result.stderr}`).not.toContain(appKey);
  });
});

describe("what audit and backfill --stack say when the job's key cannot be read", () => {
  it("names the secret's resource policy and the break-glass role when the credentials are refused", async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        secretsManagerError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/Operators/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ARN} with an explicit deny in a resource-based policy`,
        ),
      );

    for (const [command, result] of [
      ['audit', await audit()],
      ['backfill', await backfill()],
    ] as const) {
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        `syncwarden ${command}: these credentials may not read the job's app key: GetSecretValue on ${SECRET_ARN} was refused ` +
          `(User: arn:aws:sts::123456789012:assumed-role/Operators/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ARN} with an explicit deny in a resource-based policy). ` +
          "A secret the stack created refuses its value to every role but the job's own functions and the configuration's " +
          'breakGlassRoleArn (with a customer managed key, its key policy too): run audit and backfill as the break-glass role ' +
          '(--profile <a profile that assumes it>). A secret of your own needs secretsmanager:GetSecretValue on it ' +
          'for these credentials. status and runs read no key\n',
      );
    }
  });

  it('names the secret and the region when it does not exist', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        secretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      );

    const result = await audit();

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^syncwarden audit: the job's app key secret ${SECRET_ARN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist in eu-west-1 \\(Secrets Manager can't find the specified secret\\.\\): .*APP_KEY_SECRET_ID`,
      ),
    );
  });

  it('names the credential chain when Secrets Manager refuses the credentials themselves', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        secretsManagerError('ExpiredTokenException', 'The security token included in the request is expired'),
      );

    const result = await audit();

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^syncwarden audit: AWS refused the credentials \(ExpiredTokenException: The security token included in the request is expired\): the default credential chain/,
    );
  });

  it('says which other error Secrets Manager answered with, and its status', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        secretsManagerError('DecryptionFailure', 'Secrets Manager can’t decrypt the protected secret text'),
      );

    const result = await audit();

    expect(result.stderr).toBe(
      'syncwarden audit: GetSecretValue failed: HTTP 400 DecryptionFailure: Secrets Manager can’t decrypt the protected secret text\n',
    );
  });
});
