// `--local`: the embedded stack `npm start` keeps under `.syncwarden/` (infra/local/local-stack-file.ts).
//
// While `npm start` runs, its stack.json names its DynamoDB Local and endpoint, and commands use those: a
// second DynamoDB Local over the same sharedDb file would read a stale copy and its writes would be lost.
// When it is stopped, DynamoDB Local is started over the saved data for as long as the command runs (about
// two seconds of JVM start); the simulator is not, because its entries lived only in the stopped process:
// `sourceUnavailable` says so, and `--endpoint` names a real server to read instead.
import { existsSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FileKeySource } from '../../functions/app-key/file-source.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { localDynamoDbClientConfig, startDynamoDbLocal } from '../local/dynamodb-local.js';
import {
  LOCAL_JOB,
  LOCAL_SKEW_TARGET,
  LOCAL_TABLES,
  localStateDir,
  localStatePaths,
  readLiveStackFile,
  readLocalJobFile,
} from '../local/local-stack-file.js';
import type { CliIo } from './io.js';
import type { JobTarget, Target, TargetOptions } from './target.js';
import { unknownJobError } from './target-errors.js';

export class NoLocalStateError extends Error {
  override readonly name = 'NoLocalStateError';
  constructor(stateDir: string) {
    super(
      `no embedded stack in ${stateDir} yet (no DynamoDB Local data): run npm start first, ` +
        'or run from the directory you ran it in (or set SYNCWARDEN_STATE_DIR)',
    );
  }
}

export async function resolveLocalTarget(options: TargetOptions, io: CliIo): Promise<Target> {
  const stateDir = localStateDir(io.env);
  const paths = localStatePaths(stateDir);
  const live = readLiveStackFile(stateDir);
  if (!live && !existsSync(paths.dynamoDbData)) throw new NoLocalStateError(stateDir);

  const saved = readLocalJobFile(stateDir);
  const job = live?.job ?? saved?.job ?? LOCAL_JOB;
  const tables = live?.tables ?? LOCAL_TABLES;
  const dynamoDb = live ? undefined : await startDynamoDbLocal({ dataDir: paths.dynamoDbData });
  const endpoint = live?.dynamoDbEndpoint ?? (dynamoDb?.endpoint as string);
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sourceUrl = options.endpoint ?? live?.endpointUrl;
  const sourceUnavailable = sourceUrl
    ? undefined
    : `npm start is not running, and the simulator's entries lived in its process: start npm start (in another terminal) and run this again, or pass --endpoint <url> to read a real server`;

  const jobTarget = (name: string): JobTarget => {
    const keyFile = io.env.SYNCWARDEN_APP_KEY_FILE ?? live?.keyFile ?? paths.keyFile;
    const config = loadSyncConfig({
      SYNC_JOB_NAME: job,
      CONTROL_TABLE_NAME: tables.controlTable,
      RECORDS_TABLE_NAME: tables.recordsTable,
      ENDPOINT_THING: 'SensorStream',
      SKEW_TARGET: LOCAL_SKEW_TARGET,
      ...saved?.syncEnvironment,
      // A stopped session's simulator URL answers nothing; sourceUnavailable tells the commands that read it.
      ENDPOINT_BASE_URL: sourceUrl ?? saved?.syncEnvironment.ENDPOINT_BASE_URL ?? 'http://127.0.0.1:1/',
      APP_KEY_FILE: keyFile,
    });
    if (config.job !== name) throw unknownJobError(name, [job], 'the embedded stack');
    return { config, keySource: new FileKeySource({ path: keyFile }) };
  };

  return {
    description: `local (${stateDir}${live ? `, npm start pid ${live.pid}` : ', npm start not running'})`,
    documentClient,
    tables,
    ...(sourceUnavailable ? { sourceUnavailable } : {}),
    jobNames: async () => [job],
    job: async (name) => jobTarget(name),
    close: async () => {
      client.destroy();
      await dynamoDb?.stop();
    },
  };
}
