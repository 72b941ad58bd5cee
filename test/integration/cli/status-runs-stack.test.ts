// `--stack <name>`: the stack's outputs through CloudFormation, each job's configuration from its sync
// function's environment, alarm states from CloudWatch (a loopback stand-in: fake-aws.ts says why), and
// the tables on DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB), written by a real sync run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveStackTarget } from '../../../infra/cli/stack-target.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { type FakeAws, startFakeAws } from './fake-aws.js';
import { runCli } from './support.js';

const ACCESS_KEY_ID = 'AKIDSYNCWARDENCLI';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Prod/cli-stack-job/app-key-AbCdEf';
const GROUP_STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Prod-Jobs07ABC-1X2Y3Z/0f0e';
let h: SyncHarness;
let aws: FakeAws;
let alarms: string[];
const secretsManager = mockClient(SecretsManagerClient);

beforeAll(async () => {
  h = await startSyncHarness('cli-stack');
  const nowMs = h.sim.clock.nowMs();
  h.sim.stream.generate(120, { fromMs: nowMs - 3_600_000, toMs: nowMs - 60_000 });
  await h.run();
  aws = await startFakeAws();
  alarms = [`Prod-${h.job}-run-failed`, `Prod-${h.job}-sync-lag`, `Prod-${h.job}-dead-letters`];
  aws.state.stacks.set('Prod', {
    outputs: {
      AlarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:Prod-Alarms',
      ControlTableName: h.db.tables.controlTable,
      RecordsTableName: h.db.tables.recordsTable,
      Jobs07StackId: GROUP_STACK_ID,
    },
  });
  aws.state.stacks.set(GROUP_STACK_ID, {
    outputs: {
      [`Job${h.job.replace(/-/g, '')}SecretName1A2B3C4D`]: `Prod/${h.job}/app-key`,
      [`Operator${h.job.replace(/-/g, '')}5E6F7A8B`]: JSON.stringify({
        syncwardenJob: h.job,
        functionName: 'Prod-Jobs07-JobSync-1Q2W3E',
        secretId: SECRET_ARN,
        alarms,
      }),
    },
  });
  aws.state.stacks.set('NotOurs', { outputs: { BucketName: 'some-bucket' } });
  aws.state.refusals.set('Expired', 'ExpiredToken');
  aws.state.functions.set('Prod-Jobs07-JobSync-1Q2W3E', {
    SYNC_JOB_NAME: h.job,
    CONTROL_TABLE_NAME: h.db.tables.controlTable,
    RECORDS_TABLE_NAME: h.db.tables.recordsTable,
    ENDPOINT_BASE_URL: 'https://thingworx.example.com/',
    ENDPOINT_THING: 'SensorStream',
    APP_KEY_SECRET_ID: SECRET_ARN,
  });
  aws.state.alarms.set(alarms[0] as string, { state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint' });
  aws.state.alarms.set(alarms[1] as string, { state: 'OK', reason: 'Threshold Crossed: 0 datapoints' });
});

beforeEach(() => {
  secretsManager.reset();
  const noFiles = mkdtempSync(join(tmpdir(), 'syncwarden-aws-'));
  vi.stubEnv('AWS_CONFIG_FILE', join(noFiles, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(noFiles, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_PROFILE', '');
  vi.stubEnv('AWS_ACCESS_KEY_ID', ACCESS_KEY_ID);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'cli-test-secret-access-key');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFORMATION', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', h.db.endpoint);
  aws.requests.length = 0;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await aws?.close();
  await h?.close();
});

describe('syncwarden status --stack', () => {
  it("reads the job from the stack's outputs and reports its alarms, lock, watermark and last run", async () => {
    const result = await runCli(['status', '--stack', 'Prod', '--json'], process.env);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [job] = JSON.parse(result.stdout).jobs;
    const watermark = await h.watermark();
    expect(job).toMatchObject({
      job: h.job,
      lock: { state: 'free' },
      watermark: { timestampMs: watermark?.timestampMs, key: watermark?.key },
      lastRun: { outcome: 'succeeded', recordsWritten: 120 },
    });
    expect(job.alarms).toEqual([
      expect.objectContaining({ name: alarms[0], state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint' }),
      expect.objectContaining({ name: alarms[1], state: 'OK' }),
      { name: alarms[2], state: 'MISSING' },
    ]);
  });

  it('signs each call for its service with the default chain’s credentials, and reads the group stack by id', async () => {
    await runCli(['status', '--stack', 'Prod'], process.env);

    const scopes = aws.requests.map((request) => /Credential=([^,]+)/.exec(request.authorization)?.[1]);
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    expect(new Set(scopes.map((scope) => scope?.replace(/\/\d{8}\//, '/<day>/')))).toEqual(
      new Set([
        `${ACCESS_KEY_ID}/<day>/eu-west-1/cloudformation/aws4_request`,
        `${ACCESS_KEY_ID}/<day>/eu-west-1/lambda/aws4_request`,
        `${ACCESS_KEY_ID}/<day>/eu-west-1/monitoring/aws4_request`,
      ]),
    );
    expect(scopes.every((scope) => scope?.includes(`/${day}/`))).toBe(true);
    const described = aws.requests.map((request) => new URLSearchParams(request.body).get('StackName'));
    expect(described.filter(Boolean)).toEqual(['Prod', GROUP_STACK_ID]);
  });

  it('prints the alarms that are not OK by name, with the state reason CloudWatch gives', async () => {
    const result = await runCli(['status', '--stack', 'Prod'], process.env);

    expect(result.stdout).toContain('stack Prod (eu-west-1)');
    const lines = result.stdout.split('\n');
    const heading = lines.findIndex((line) => /^\s+alarms\s+1 of 3 OK, not OK:$/.test(line));
    expect(heading).toBeGreaterThan(0);
    expect(lines.slice(heading + 1, heading + 3)).toEqual([
      `    ${alarms[0]} ALARM since 2026-12-03T04:00:00.000Z: Threshold Crossed: 1 datapoint`,
      `    ${alarms[2]} MISSING`,
    ]);
  });
});

describe('syncwarden runs --stack', () => {
  it("lists the job's runs from the stack's control table", async () => {
    const result = await runCli(['runs', '--stack', 'Prod', '--job', h.job, '--json'], process.env);

    const [item] = await h.ledgerItems();
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).runId),
    ).toEqual([item?.runId]);
  });
});

describe('what --stack refuses, and how', () => {
  it('names a stack that does not exist, and the region it looked in', async () => {
    const result = await runCli(['status', '--stack', 'Prdo'], process.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stack Prdo does not exist in eu-west-1');
  });

  it('says a stack without syncwarden outputs is not one, and which outputs are missing', async () => {
    const result = await runCli(['status', '--stack', 'NotOurs'], process.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'stack NotOurs has no syncwarden outputs (missing ControlTableName, RecordsTableName, Jobs<NN>StackId)',
    );
  });

  it('names the credential chain and --profile when AWS refuses expired credentials', async () => {
    const result = await runCli(['status', '--stack', 'Expired'], process.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/AWS refused the credentials \(ExpiredToken: .*expired\)/);
    expect(result.stderr).toContain('the default credential chain looks at AWS_ACCESS_KEY_ID');
    expect(result.stderr).toContain('pass --profile <name>');
  });

  it('names the credential chain and the profile when there are no credentials at all', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');

    const result = await runCli(['status', '--stack', 'Prod', '--profile', 'on-call'], process.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /no usable AWS credentials \(.*\) \(profile on-call\): the default credential chain/,
    );
    expect(aws.requests).toHaveLength(0);
  });

  it('refuses an unknown job, naming the jobs the stack has', async () => {
    const result = await runCli(['status', '--stack', 'Prod', '--job', 'nope'], process.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`unknown job "nope" in stack Prod; its jobs: ${h.job}`);
  });
});

describe("a stack job's key", () => {
  it("comes from the secret its sync function's environment names", async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ appKey: 'stack-key-never-printed' }),
      VersionId: 'v1',
    });
    const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
    const target = await resolveStackTarget({ stack: 'Prod' }, io);

    const key = await (await target.job(h.job)).keySource.get();
    await target.close();

    expect(key.appKey).toBe('stack-key-never-printed');
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
  });
});
