// `npm start`: the main job on the embedded stack. Starts DynamoDB Local (data kept under .syncwarden/)
// and the ThingWorx simulator (or points at a real endpoint), then invokes the real sync handler the way
// Lambda does, on a local schedule, printing one line per run and a gap check at the end.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../../functions/shared/tables.js';
import type { RunSummary } from '../../functions/sync/sync-job.js';
import { WatermarkStore } from '../../functions/sync/watermark.js';
import { parseDurationMs } from './duration.js';
import {
  createTables,
  type DynamoDbLocal,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from './dynamodb-local.js';
import { findGaps, storedRecordKeys } from './gap-check.js';
import { lambdaContext } from './lambda-context.js';
import { startThingWorxSimulator, type ThingWorxSimulator } from './thingworx-simulator/index.js';

const STATE_DIR = resolve('.syncwarden');
const JOB = 'local-demo';
const TABLES: TableNames = {
  controlTable: 'syncwarden-local-control',
  recordsTable: 'syncwarden-local-records',
};

const USAGE = `Usage: npm start -- [options]
  --every <duration>     time between scheduled runs (default 30s; e.g. 5s, 2m)
  --runs <n>             stop after n scheduled runs (default: run until Ctrl-C)
  --overlap              start two invocations at every tick, to show the lock skipping one
  --timeout <duration>   the simulated Lambda timeout (default 60s)
  --endpoint <url>       sync from a real ThingWorx server instead of the simulator
  --thing <name>         the Thing whose stream to read (default SensorStream)
  --app-key-file <path>  key file for --endpoint (JSON {"appKey": ...} or the key alone);
                         or set SYNCWARDEN_APP_KEY
  --json                 print one JSON object per run and a JSON summary
  --help`;

interface Options {
  everyMs: number;
  runs: number | undefined;
  overlap: boolean;
  timeoutMs: number;
  endpoint: string | undefined;
  thing: string;
  appKeyFile: string | undefined;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      every: { type: 'string', default: '30s' },
      runs: { type: 'string' },
      overlap: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60s' },
      endpoint: { type: 'string' },
      thing: { type: 'string', default: 'SensorStream' },
      'app-key-file': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isSafeInteger(runs) || runs < 1)) {
    throw new Error(`--runs: expected a whole number >= 1, got ${JSON.stringify(values.runs)}`);
  }
  return {
    everyMs: parseDurationMs('--every', values.every),
    runs,
    overlap: values.overlap,
    timeoutMs: parseDurationMs('--timeout', values.timeout),
    endpoint: values.endpoint,
    thing: values.thing,
    appKeyFile: values['app-key-file'],
    json: values.json,
  };
}

/** Writes the key where the file key source reads it; the key itself is never printed. */
function writeKeyFile(appKey: string, expiresAtMs?: number): string {
  const path = join(STATE_DIR, 'app-key.json');
  const body = {
    appKey,
    keyName: 'syncwarden-local',
    ...(expiresAtMs ? { expiresAt: new Date(expiresAtMs).toISOString() } : {}),
  };
  writeFileSync(path, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

function keyFileForRealEndpoint(options: Options): string {
  if (options.appKeyFile) return resolve(options.appKeyFile);
  const fromEnv = process.env.SYNCWARDEN_APP_KEY;
  if (!fromEnv)
    throw new Error('--endpoint needs a key: pass --app-key-file <path> or set SYNCWARDEN_APP_KEY');
  return writeKeyFile(fromEnv);
}

function describeRun(n: number, result: RunSummary | Error, nowMs: number): string {
  if (result instanceof Error) {
    const reason = (result as { reason?: string }).reason;
    return `run ${n}: FAILED ${reason ? `(${reason}) ` : ''}${result.message}`;
  }
  const lagS = result.watermarkAfter
    ? ((nowMs - result.watermarkAfter.timestampMs) / 1000).toFixed(1)
    : 'n/a';
  switch (result.outcome) {
    case 'skipped':
      return `run ${n}: skipped, ${result.reason}`;
    default:
      return (
        `run ${n}: ${result.outcome}, ${result.recordsWritten ?? 0} records written ` +
        `(${result.recordsAlreadyStored ?? 0} already stored), ${result.pages ?? 0} pages, lag ${lagS} s` +
        (result.caughtUp === false ? ', backlog left for the next run' : '')
      );
  }
}

async function main(): Promise<void> {
  // The SDK warns that its releases after January 2027 need Node 22; the lockfile pins today's.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(STATE_DIR, { recursive: true });
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };

  let dynamoDb: DynamoDbLocal | undefined;
  let simulator: ThingWorxSimulator | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;
  const shutdown = async () => {
    simulator?.stream.stopGrowth();
    await simulator?.stop();
    await dynamoDb?.stop();
  };
  process.on('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    say('\nCtrl-C: finishing the run in progress, then stopping.');
    wake?.();
  });

  try {
    dynamoDb = await startDynamoDbLocal({ dataDir: join(STATE_DIR, 'dynamodb') });
    const client = new DynamoDBClient(localDynamoDbClientConfig(dynamoDb.endpoint));
    const documentClient = DynamoDBDocumentClient.from(client);
    await createTables(client, TABLES);
    say(
      `DynamoDB Local   ${dynamoDb.endpoint} (data in ${dynamoDb.dataDir}; shared db: any credentials work)`,
    );
    say(
      `  inspect with   aws dynamodb scan --table-name ${TABLES.recordsTable} --endpoint-url ${dynamoDb.endpoint}`,
    );

    let baseUrl: string;
    let keyFile: string;
    if (options.endpoint) {
      baseUrl = options.endpoint;
      keyFile = keyFileForRealEndpoint(options);
      say(`Endpoint         ${new URL(baseUrl).origin} (real server; Thing ${options.thing})`);
    } else {
      simulator = await startThingWorxSimulator({
        // A new seed per session: a simulator restarted with the same seed would hand out the same
        // entry ids with new timestamps, which the table would take for newer versions of old records.
        seed: Date.now() % 2_147_483_647,
        thing: options.thing,
        initialEntries: 2_000,
        entriesPerSecond: 20,
        lateFraction: 0.1,
        maxLatenessMs: 60_000,
      });
      simulator.stream.startGrowth({});
      const key = simulator.keys.add({
        name: 'syncwarden-local',
        expiresAtMs: simulator.clock.nowMs() + 86_400_000,
      });
      keyFile = writeKeyFile(key.keyId, simulator.clock.nowMs() + 86_400_000);
      baseUrl = simulator.baseUrl;
      say(
        `ThingWorx sim    ${simulator.baseUrl} (Thing ${options.thing}, ${simulator.stream.size()} entries, growing)`,
      );
    }
    say(`App key          from ${keyFile} (never printed)`);

    Object.assign(process.env, {
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      POWERTOOLS_SERVICE_NAME: 'syncwarden-local',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      SYNC_JOB_NAME: JOB,
      CONTROL_TABLE_NAME: TABLES.controlTable,
      RECORDS_TABLE_NAME: TABLES.recordsTable,
      ENDPOINT_BASE_URL: baseUrl,
      ENDPOINT_THING: options.thing,
      APP_KEY_FILE: keyFile,
      MIN_REMAINING_TIME_MS: String(Math.min(30_000, Math.floor(options.timeoutMs / 4))),
      SAFETY_MARGIN_MS: String(Math.min(20_000, Math.floor(options.timeoutMs / 4))),
    });
    // Imported only now: like a Lambda cold start, the handler reads its configuration at load.
    const { handler } = await import('../../functions/sync/handler.js');
    const invoke = async (): Promise<RunSummary | Error> => {
      try {
        return (await handler(
          { job: JOB },
          lambdaContext('syncwarden-local-sync', options.timeoutMs),
        )) as RunSummary;
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    };

    say(
      `Sync job         ${JOB}, every ${options.everyMs / 1000} s${options.runs ? `, ${options.runs} runs` : ''}${options.overlap ? ', overlapping on purpose' : ''}\n`,
    );
    const counts = { runs: 0, succeeded: 0, skipped: 0, failed: 0 };
    let lastReadAtMs = 0;
    for (let tick = 1; !stopping && (options.runs === undefined || tick <= options.runs); tick++) {
      const startedAtMs = simulator?.clock.nowMs() ?? Date.now();
      const results = await Promise.all(options.overlap ? [invoke(), invoke()] : [invoke()]);
      for (const result of results) {
        counts.runs++;
        if (result instanceof Error) counts.failed++;
        else if (result.outcome === 'skipped') counts.skipped++;
        else {
          counts.succeeded++;
          lastReadAtMs = Math.max(lastReadAtMs, startedAtMs);
        }
        if (options.json)
          console.log(JSON.stringify(result instanceof Error ? { error: result.message } : result));
        else say(describeRun(counts.runs, result, Date.now()));
      }
      if (!stopping && (options.runs === undefined || tick < options.runs)) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, options.everyMs);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
      }
    }

    const watermark = await new WatermarkStore(documentClient, TABLES.controlTable).read(JOB);
    const stored = await storedRecordKeys(documentClient, TABLES.recordsTable, JOB);
    const gaps = simulator ? findGaps(simulator.stream.all(), stored, watermark, lastReadAtMs) : undefined;
    const summary = {
      ...counts,
      recordsInTable: stored.size,
      sourceEntries: gaps?.sourceEntriesTotal,
      sourceEntriesUpToWatermark: gaps?.sourceEntriesCovered,
      gaps: gaps?.missingKeys.length,
      watermark: watermark ? new Date(watermark.timestampMs).toISOString() : undefined,
    };
    client.destroy();
    if (options.json) console.log(JSON.stringify({ summary }));
    else {
      say(
        `\nSummary: ${counts.runs} runs, ${counts.succeeded} succeeded, ${counts.skipped} skipped, ${counts.failed} failed`,
      );
      say(`  records in table ${stored.size}; watermark ${summary.watermark ?? 'none yet'}`);
      say(
        gaps
          ? `  source entries ${gaps.sourceEntriesTotal}, of which ${gaps.sourceEntriesCovered} at or before the watermark; gaps found: ${gaps.missingKeys.length}`
          : '  gaps: not checked (a real endpoint has no ground truth to compare with)',
      );
    }
    process.exitCode = counts.failed > 0 || (gaps?.missingKeys.length ?? 0) > 0 ? 1 : 0;
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
