// `--stack <name>`: the stack's outputs through CloudFormation, each job's configuration from its sync
// function's environment, alarm states from CloudWatch (these three through aws-sdk-client-mock: they have
// no local engine), and the tables on DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB), written by a real sync run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveStackTarget } from '../../../infra/cli/stack-target.js';
import { mockOperatorAws, stubOperatorEnv } from '../../support/operator-aws-mock.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { runCli } from './support.js';

const ACCESS_KEY_ID = 'AKIDSYNCWARDENCLI';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Prod/cli-stack-job/app-key-AbCdEf';
const GROUP_STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Prod-Jobs07ABC-1X2Y3Z/0f0e';
const MANY_GROUP_STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Many-Jobs01ABC-4R5T6Y/1a1b';
let h: SyncHarness;
let alarms: string[];
const secretsManager = mockClient(SecretsManagerClient);
const aws = mockOperatorAws();

beforeAll(async () => {
  h = await startSyncHarness('cli-stack');
  const nowMs = h.sim.clock.nowMs();
  h.sim.stream.generate(120, { fromMs: nowMs - 3_600_000, toMs: nowMs - 60_000 });
  await h.run();
  alarms = [`Prod-${h.job}-run-failed`, `Prod-${h.job}-sync-lag`, `Prod-${h.job}-dead-letters`];
  aws.state.stacks.set('Prod', {
    AlarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:Prod-Alarms',
    ControlTableName: h.db.tables.controlTable,
    RecordsTableName: h.db.tables.recordsTable,
    Jobs07StackId: GROUP_STACK_ID,
  });
  aws.state.stacks.set(GROUP_STACK_ID, {
    [`Job${h.job.replace(/-/g, '')}SecretName1A2B3C4D`]: `Prod/${h.job}/app-key`,
    [`Operator${h.job.replace(/-/g, '')}5E6F7A8B`]: JSON.stringify({
      syncwardenJob: h.job,
      functionName: 'Prod-Jobs07-JobSync-1Q2W3E',
      secretId: SECRET_ARN,
      alarms,
    }),
  });
  aws.state.stacks.set('NotOurs', { BucketName: 'some-bucket' });
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

/** AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE in a new directory; no file is written unless given. */
function awsFiles(files: { config?: string; credentials?: string } = {}): void {
  const dir = mkdtempSync(join(tmpdir(), 'syncwarden-aws-'));
  if (files.config) writeFileSync(join(dir, 'config'), files.config);
  if (files.credentials) writeFileSync(join(dir, 'credentials'), files.credentials);
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
}

/** The clients the mocked commands were sent through: the region and credentials each was built with. */
async function clientsOf(calls: ReadonlyArray<{ thisValue: unknown }>) {
  return Promise.all(
    calls.map(async ({ thisValue }) => {
      const { config } = thisValue as {
        config: { region(): Promise<string>; credentials(): Promise<{ accessKeyId: string }> };
      };
      return { region: await config.region(), accessKeyId: (await config.credentials()).accessKeyId };
    }),
  );
}

beforeEach(() => {
  secretsManager.reset();
  awsFiles();
  stubOperatorEnv(h.db.endpoint, ACCESS_KEY_ID);
  aws.resetHistory();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  aws.restore();
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

  it("builds each client with the stack's region and the default chain's credentials, and reads the group stack by id", async () => {
    await runCli(['status', '--stack', 'Prod'], process.env);

    const clients = await clientsOf([
      ...aws.cloudFormation.calls(),
      ...aws.lambda.calls(),
      ...aws.cloudWatch.calls(),
    ]);
    expect(aws.cloudWatch.calls()).toHaveLength(1);
    expect(clients.length).toBeGreaterThanOrEqual(3);
    expect(new Set(clients.map((client) => `${client.region} ${client.accessKeyId}`))).toEqual(
      new Set([`eu-west-1 ${ACCESS_KEY_ID}`]),
    );
    const described = aws.cloudFormation
      .commandCalls(DescribeStacksCommand)
      .map((call) => call.args[0].input);
    expect(described).toEqual([{ StackName: 'Prod' }, { StackName: GROUP_STACK_ID }]);
  });

  it("with --profile, builds every client, DynamoDB's too, from that profile's region and credentials", async () => {
    awsFiles({
      config: '[profile on-call]\nregion = eu-central-1\n',
      credentials:
        '[on-call]\naws_access_key_id = AKIDONCALLPROFILE\naws_secret_access_key = on-call-secret\n',
    });
    vi.stubEnv('AWS_REGION', undefined);
    // Keys in the environment as well would make the SDK warn, and it may one day prefer them to the profile.
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);

    const target = await resolveStackTarget({ stack: 'Prod', profile: 'on-call' });
    await target.alarmStates?.(h.job);
    await target.job(h.job);
    const dynamoDb = await clientsOf([{ thisValue: target.documentClient }]);
    await target.close();

    expect(target.description).toBe('stack Prod (eu-central-1, profile on-call)');
    const clients = await clientsOf([
      ...aws.cloudFormation.calls(),
      ...aws.lambda.calls(),
      ...aws.cloudWatch.calls(),
    ]);
    expect(aws.lambda.calls()).toHaveLength(1);
    expect(
      new Set([...clients, ...dynamoDb].map((client) => `${client.region} ${client.accessKeyId}`)),
    ).toEqual(new Set(['eu-central-1 AKIDONCALLPROFILE']));
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

describe('syncwarden status --stack, a job with more alarms than one DescribeAlarms takes', () => {
  it('asks for them 100 names at a time and reports every one, MISSING for those CloudWatch has not', async () => {
    const many = Array.from({ length: 250 }, (_, i) => `Many-${h.job}-alarm-${String(i).padStart(3, '0')}`);
    aws.state.stacks.set('Many', {
      ControlTableName: h.db.tables.controlTable,
      RecordsTableName: h.db.tables.recordsTable,
      Jobs01StackId: MANY_GROUP_STACK_ID,
    });
    aws.state.stacks.set(MANY_GROUP_STACK_ID, {
      OperatorJob1A2B3C4D: JSON.stringify({
        syncwardenJob: h.job,
        functionName: 'Prod-Jobs07-JobSync-1Q2W3E',
        secretId: SECRET_ARN,
        alarms: many,
      }),
    });
    // The first 150 exist (across the first call's boundary), one of them in ALARM; the last 100 do not.
    for (const [i, name] of many.slice(0, 150).entries()) {
      aws.state.alarms.set(name, { state: i === 120 ? 'ALARM' : 'OK', reason: `reason ${i}` });
    }

    const result = await runCli(['status', '--stack', 'Many', '--json'], process.env);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const asked = aws.cloudWatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(asked.map((input) => input.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(asked.flatMap((input) => input.AlarmNames)).toEqual(many);
    const [job] = JSON.parse(result.stdout).jobs;
    const states = new Map<string, string>(
      job.alarms.map((alarm: { name: string; state: string }) => [alarm.name, alarm.state]),
    );
    expect(states.size).toBe(250);
    expect(states.get(many[0] as string)).toBe('OK');
    expect(states.get(many[120] as string)).toBe('ALARM');
    expect(states.get(many[149] as string)).toBe('OK');
    expect(many.slice(150).every((name) => states.get(name) === 'MISSING')).toBe(true);
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
    expect(aws.cloudFormation.calls()).toHaveLength(0);
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
    const target = await resolveStackTarget({ stack: 'Prod' });

    const key = await (await target.job(h.job)).keySource.get();
    await target.close();

    expect(key.appKey).toBe('stack-key-never-printed');
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
  });
});
