// `--stack <name>`: a deployed syncwarden, found from its outputs (infra/aws/stack.ts, job-group-stack.ts).
//
//   root stack     ControlTableName, RecordsTableName, and Jobs<NN>StackId: the id of each job group's stack
//   group stack    one `Operator-<job>` output per job: {"syncwardenJob", "functionName", "secretId", "alarms"}
//
// A job's configuration is its sync function's environment (GetFunctionConfiguration), read with the
// Lambda's own loadSyncConfig: what the function runs with, never a second copy in the outputs that could
// drift from it (and its ~25 variables per job would not fit the outputs' 200 per template anyway).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerKeySource } from '../../functions/app-key/secrets-manager-source.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { awsClientOptions, openOperatorAws, type StackOutput } from './aws-operator-api.js';
import { operatorKeySource } from './stack-key-source.js';
import type { JobTarget, Target, TargetOptions } from './target.js';
import { NotASyncwardenStackError, unknownJobError } from './target-errors.js';

/** What a group stack's operator output says of one job. */
export interface StackJob {
  readonly syncwardenJob: string;
  readonly functionName: string;
  /** The secret's ARN (a created secret) or the name or ARN the configuration gave. */
  readonly secretId: string;
  readonly alarms: readonly string[];
}

const GROUP_STACK_OUTPUT = /^Jobs\d{2}StackId$/;

export async function resolveStackTarget(
  options: TargetOptions & { readonly stack: string },
): Promise<Target> {
  const aws = await openOperatorAws(options);
  const { api, region } = aws;
  let outputs: readonly StackOutput[];
  try {
    outputs = await api.stackOutputs(options.stack);
  } catch (error) {
    aws.close();
    throw error;
  }
  const byKey = new Map(outputs.map((output) => [output.key, output.value]));
  const groupStacks = outputs.filter((output) => GROUP_STACK_OUTPUT.test(output.key));
  const missing = [
    ...['ControlTableName', 'RecordsTableName'].filter((key) => !byKey.has(key)),
    ...(groupStacks.length === 0 ? ['Jobs<NN>StackId'] : []),
  ];
  if (missing.length > 0) {
    aws.close();
    throw new NotASyncwardenStackError(options.stack, missing);
  }
  const tables = {
    controlTable: byKey.get('ControlTableName') as string,
    recordsTable: byKey.get('RecordsTableName') as string,
  };

  let jobs: Promise<Map<string, StackJob>> | undefined;
  const stackJobs = () => {
    jobs ??= Promise.all(groupStacks.map((group) => api.stackOutputs(group.value))).then(
      (groups) => new Map(groups.flatMap(jobsOf).map((job) => [job.syncwardenJob, job])),
    );
    return jobs;
  };
  const stackJob = async (name: string): Promise<StackJob> => {
    const known = await stackJobs();
    const job = known.get(name);
    if (!job) throw unknownJobError(name, [...known.keys()].sort(), `stack ${options.stack}`);
    return job;
  };

  const clientOptions = awsClientOptions(region, options.profile);
  const dynamoDb = new DynamoDBClient(clientOptions);
  let secretsManager: SecretsManagerClient | undefined;

  return {
    description: `stack ${options.stack} (${region}${options.profile ? `, profile ${options.profile}` : ''})`,
    documentClient: DynamoDBDocumentClient.from(dynamoDb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tables,
    jobNames: async () => [...(await stackJobs()).keys()].sort(),
    async job(name): Promise<JobTarget> {
      const job = await stackJob(name);
      const config = loadSyncConfig(await api.functionEnvironment(job.functionName));
      secretsManager ??= new SecretsManagerClient(clientOptions);
      const secretId = 'secretId' in config.appKey ? config.appKey.secretId : job.secretId;
      const keySource = new SecretsManagerKeySource({ client: secretsManager, secretId });
      return {
        config,
        keySource: operatorKeySource(keySource, secretId, { region, profile: options.profile }),
      };
    },
    async alarmStates(name) {
      const job = await stackJob(name);
      const states = await api.alarmStates(job.alarms);
      const found = new Set(states.map((state) => state.name));
      // An alarm the outputs name but CloudWatch does not have: deleted by hand, or a deploy half done.
      const absent = job.alarms
        .filter((alarm) => !found.has(alarm))
        .map((alarm) => ({ name: alarm, state: 'MISSING' }));
      return [...states, ...absent];
    },
    close: async () => {
      aws.close();
      dynamoDb.destroy();
      secretsManager?.destroy();
    },
  };
}

/** The jobs a group stack's outputs describe; other outputs (SecretName, …) are passed over. */
function jobsOf(outputs: readonly StackOutput[]): StackJob[] {
  return outputs.flatMap((output) => {
    if (!output.value.startsWith('{')) return [];
    try {
      const value = JSON.parse(output.value) as Partial<StackJob>;
      return typeof value.syncwardenJob === 'string' && typeof value.functionName === 'string'
        ? [{ alarms: [], secretId: '', ...value } as StackJob]
        : [];
    } catch {
      return [];
    }
  });
}
