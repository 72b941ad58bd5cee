// `npm start`: the main job on the embedded stack. Starts DynamoDB Local (data kept under .syncwarden/)
// and the ThingWorx simulator (or points at a real endpoint), then invokes the real sync handler the way
// Lambda does, on a local schedule, printing one line per run and a gap check at the end.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SkewMeasurement } from '../../functions/clock-skew/measure.js';
import type { TableNames } from '../../functions/shared/tables.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import type { RunSummary } from '../../functions/sync/sync-job.js';
import { WatermarkStore } from '../../functions/sync/watermark.js';
import { parseDurationMs, parseSignedDurationMs } from './duration.js';
import {
  createTables,
  type DynamoDbLocal,
  localDynamoDbClientConfig,
  startDynamoDbLocal,
} from './dynamodb-local.js';
import { findGaps, storedRecords } from './gap-check.js';
import { lambdaContext } from './lambda-context.js';
import {
  LOCAL_JOB,
  LOCAL_SKEW_TARGET,
  LOCAL_TABLES,
  localStateDir,
  removeLiveStackFile,
  syncEnvironmentOf,
  writeLiveStackFile,
  writeLocalJobFile,
} from './local-stack-file.js';
import {
  type BackendOptions,
  describeBackend,
  parseBackendSpec,
  resolveBackend,
} from './thingworx-simulator/backend-profile.js';
import { startThingWorxSimulator, type ThingWorxSimulator } from './thingworx-simulator/index.js';

const STATE_DIR = localStateDir(process.env);
const JOB = LOCAL_JOB;
const SKEW_TARGET = LOCAL_SKEW_TARGET;
const TABLES: TableNames = LOCAL_TABLES;

const USAGE = `Usage: npm start -- [options]
  --every <duration>     time between scheduled runs (default 30s; e.g. 5s, 2m)
  --runs <n>             stop after n scheduled runs (default: run until Ctrl-C)
  --overlap              start two invocations at every tick, to show the lock skipping one
  --timeout <duration>   the simulated Lambda timeout (default 60s)
  --endpoint <url>       sync from a real ThingWorx server instead of the simulator
  --thing <name>         the Thing whose stream to read (default SensorStream)
  --app-key-file <path>  key file for --endpoint (JSON {"appKey": ...} or the key alone);
                         or set SYNCWARDEN_APP_KEY
  --sim-clock-offset <d> run the simulator's clock this far ahead (e.g. 2.5s, -700ms), to see the
                         clock-skew monitor measure it and the sync widen its overlap
  --backend <spec>       the simulator answers like this ThingWorx back end: postgres (default) or dse,
                         with switches: e.g. dse,startExclusive,ignoreOldestFirst,cutKeepsNewest,
                         maxItemsCap=200,upsertKeepsId=false,upsert=false (see the README)
  --audit                at the end, audit the session's window against the source (as the
                         reconciliation Lambda does) and print its line beside the gap check
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
  simClockOffsetMs: number;
  backend: BackendOptions | undefined;
  audit: boolean;
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
      'sim-clock-offset': { type: 'string', default: '0ms' },
      backend: { type: 'string' },
      audit: { type: 'boolean', default: false },
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
    simClockOffsetMs: parseSignedDurationMs('--sim-clock-offset', values['sim-clock-offset']),
    backend: values.backend === undefined ? undefined : backendOption(values.backend, values.endpoint),
    audit: values.audit,
    json: values.json,
  };
}

function backendOption(spec: string, endpoint: string | undefined): BackendOptions {
  if (endpoint) throw new Error('--backend shapes the simulator; it cannot be used with --endpoint');
  try {
    return parseBackendSpec(spec);
  } catch (error) {
    throw new Error(`--backend: ${error instanceof Error ? error.message : String(error)}`);
  }
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
    ? (Math.max(0, nowMs - result.watermarkAfter.timestampMs) / 1000).toFixed(1)
    : 'n/a';
  switch (result.outcome) {
    case 'skipped':
      return `run ${n}: skipped, ${result.reason}`;
    default:
      return (
        `run ${n}: ${result.outcome}, ${result.recordsWritten ?? 0} records written ` +
        `(${result.recordsAlreadyStored ?? 0} already stored), ${result.pages ?? 0} pages, lag ${lagS} s` +
        (result.caughtUp === false ? ', backlog left for the next run' : '') +
        describeSource(result.source)
      );
  }
}

/** What the run found unusual about the server, if anything: the pager adapted to it. */
function describeSource(source: RunSummary['source']): string {
  if (!source) return '';
  const notes = [
    source.order === 'newest first' || source.order === 'unordered' ? `rows ${source.order}` : '',
    source.maxItemsCap === undefined ? '' : `server caps answers at ${source.maxItemsCap} rows`,
    source.cutKeeps === 'newest rows' ? 'cuts keep the newest rows' : '',
  ].filter(Boolean);
  return notes.length > 0 ? `; adapted: ${notes.join(', ')}` : '';
}

function describeSkew(m: SkewMeasurement): string {
  const head = `clock skew ${m.target}:`;
  if (m.outcome === 'failed') return `${head} measurement failed (${m.failureReason})`;
  if (m.outcome === 'inconsistent')
    return `${head} answers from more than one clock or a cache (${m.inconsistencyReason})`;
  const sign = m.offsetMs >= 0 ? '+' : '';
  const flags = [m.overTolerance ? 'OVER TOLERANCE' : '', m.suspectedTimezone ? 'suspected time zone' : '']
    .filter(Boolean)
    .join(', ');
  return `${head} ${sign}${m.offsetMs.toFixed(1)} ms ± ${m.boundMs.toFixed(1)} ms (${m.requests} requests)${flags ? `, ${flags}` : ''}`;
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
    removeLiveStackFile(STATE_DIR, process.pid);
    simulator?.stream.stopGrowth();
    await simulator?.stop();
    await dynamoDb?.stop();
  };
  // Ctrl-C (SIGINT to the terminal's foreground group; DynamoDB Local runs in a group of its own) or a
  // SIGTERM: the run in progress ends as it would, then the summary and the gap check. A second one stops
  // at once: the run in progress fails, and its lock expires with its lease. One Ctrl-C can arrive twice
  // (the terminal signals the whole group, and a wrapper may pass it on once more): a repeat within a second
  // is that same one. `npm start` runs this file with `node --import tsx`, not through the tsx command line,
  // which relays a signal to its child and SIGKILLs the child when it has not exited 60 ms later (tsx 4's
  // relaySignals in dist/cli.mjs): no time to finish a run, and no exit handler to stop the emulator.
  let firstSignalAtMs = 0;
  let runInProgress = false;
  const stopGently = (signal: NodeJS.Signals) => {
    const what = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (stopping) {
      if (Date.now() - firstSignalAtMs < 1_000) return;
      say(`${what} again: stopping now (a run in progress fails; its lock expires with its lease).`);
      process.exit(128 + (osConstants.signals[signal] ?? 0));
    }
    stopping = true;
    firstSignalAtMs = Date.now();
    const then = runInProgress
      ? 'finishing the run in progress, then stopping'
      : 'stopping before the next run';
    say(`\n${what}: ${then} (${what} again to stop at once).`);
    wake?.();
  };
  process.on('SIGINT', stopGently);
  process.on('SIGTERM', stopGently);
  // The terminal is gone (SIGHUP): nobody reads the summary. Exit at once, which stops DynamoDB Local; by
  // default a SIGHUP would end the process without its exit handlers and leave the emulator running.
  process.on('SIGHUP', () => process.exit(128 + osConstants.signals.SIGHUP));

  try {
    dynamoDb = await startDynamoDbLocal({ dataDir: join(STATE_DIR, 'dynamodb'), ownProcessGroup: true });
    const client = new DynamoDBClient(localDynamoDbClientConfig(dynamoDb.endpoint));
    const documentClient = DynamoDBDocumentClient.from(client);
    await createTables(client, TABLES);
    const watermarks = new WatermarkStore(documentClient, TABLES.controlTable);
    const savedWatermark = await watermarks.read(JOB);
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
        clockOffsetMs: options.simClockOffsetMs,
        ...(options.backend ? { backend: options.backend } : {}),
        thing: options.thing,
        entriesPerSecond: 20,
        lateFraction: 0.1,
        maxLatenessMs: 60_000,
      });
      // The source's history: the last hour on a first start; on a later one, what "arrived" while
      // syncwarden was stopped (since the saved watermark), so the new session's source continues it.
      const nowMs = simulator.clock.nowMs();
      const fromMs = Math.max(nowMs - 3_600_000, (savedWatermark?.timestampMs ?? 0) + 1);
      if (fromMs < nowMs) simulator.stream.generate(2_000, { fromMs, toMs: nowMs });
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
      say(`  back end       ${describeBackend(resolveBackend(options.backend))}`);
    }
    say(`App key          from ${keyFile} (never printed)`);
    const skewTarget = { name: SKEW_TARGET, url: new URL('/Thingworx/', baseUrl).href, toleranceMs: 5_000 };
    say(`Clock skew       measuring ${skewTarget.url} before every run (target ${SKEW_TARGET})`);

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
      SKEW_TARGET: SKEW_TARGET,
      SKEW_TARGETS: JSON.stringify([skewTarget]),
      MIN_REMAINING_TIME_MS: String(Math.min(30_000, Math.floor(options.timeoutMs / 4))),
      SAFETY_MARGIN_MS: String(Math.min(20_000, Math.floor(options.timeoutMs / 4))),
    });
    // For `syncwarden ... --local` (infra/cli/local-target.ts): this session's endpoints while it runs.
    writeLocalJobFile(STATE_DIR, { job: JOB, syncEnvironment: syncEnvironmentOf(process.env) });
    writeLiveStackFile(STATE_DIR, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dynamoDbEndpoint: dynamoDb.endpoint,
      endpointUrl: baseUrl,
      simulator: simulator !== undefined,
      job: JOB,
      tables: TABLES,
      keyFile,
    });
    // Imported only now: like a Lambda cold start, the handler reads its configuration at load.
    const { handler } = await import('../../functions/sync/handler.js');
    const { handler: skewHandler } = await import('../../functions/clock-skew/handler.js');
    // Measured on its own, before the sync starts: its sub-millisecond timing must not share the
    // event loop with a run.
    const measureSkew = async () => {
      try {
        const report = await skewHandler({}, lambdaContext('syncwarden-local-clock-skew', 30_000));
        for (const m of report.measurements) {
          if (options.json) console.log(JSON.stringify({ skew: m }));
          else say(describeSkew(m));
        }
      } catch (error) {
        say(`clock skew: measurement run failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
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
    const sessionStartedAtMs = Date.now();
    let lastReadAtMs = 0;
    for (let tick = 1; !stopping && (options.runs === undefined || tick <= options.runs); tick++) {
      await measureSkew();
      if (stopping) break;
      const startedAtMs = simulator?.clock.nowMs() ?? Date.now();
      runInProgress = true;
      const results = await Promise.all(options.overlap ? [invoke(), invoke()] : [invoke()]);
      runInProgress = false;
      for (const result of results) {
        counts.runs++;
        if (result instanceof Error || result.outcome !== 'skipped') {
          // A failed run's committed pages count too: its watermark covers what it read.
          lastReadAtMs = Math.max(lastReadAtMs, startedAtMs);
        }
        if (result instanceof Error) counts.failed++;
        else if (result.outcome === 'skipped') counts.skipped++;
        else counts.succeeded++;
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

    const watermark = await watermarks.read(JOB);
    const stored = await storedRecords(documentClient, TABLES.recordsTable, JOB);
    const gaps = simulator
      ? findGaps(simulator.stream.all(), stored, watermark, SYNC_DEFAULTS, lastReadAtMs)
      : undefined;
    // Imported only now, like the handler: Powertools reads its log level at load. The window ends where
    // the sync's overlap begins, as the scheduled audit's previous day does: later entries may still be
    // on their way (late arrivals the next run's overlap picks up).
    const { auditSession, describeSessionAudit } = await import('./session-audit.js');
    const audit =
      options.audit && watermark
        ? await auditSession(process.env, documentClient, {
            fromMs: sessionStartedAtMs - 3_600_000,
            toMs: watermark.timestampMs - SYNC_DEFAULTS.overlapMs,
          })
        : undefined;
    const summary = {
      ...counts,
      recordsInTable: stored.size,
      sourceEntries: gaps?.sourceEntriesTotal,
      sourceEntriesUpToWatermark: gaps?.sourceEntriesCovered,
      gaps: gaps?.missingKeys.length,
      staleRecords: gaps?.staleKeys.length,
      watermark: watermark ? new Date(watermark.timestampMs).toISOString() : undefined,
      ...(audit
        ? { audit: { missing: audit.totals.missing, stale: audit.totals.stale, extra: audit.totals.extra } }
        : {}),
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
          ? `  source entries ${gaps.sourceEntriesTotal}, of which ${gaps.sourceEntriesCovered} at or before the watermark; ` +
              `gaps found: ${gaps.missingKeys.length}, stale records: ${gaps.staleKeys.length}`
          : '  gaps: not checked (a real endpoint has no ground truth to compare with)',
      );
      if (audit) say(describeSessionAudit(audit));
      else if (options.audit) say('  audit: nothing synced yet, nothing to audit');
    }
    const wrong = (gaps?.missingKeys.length ?? 0) + (gaps?.staleKeys.length ?? 0);
    process.exitCode = counts.failed > 0 || wrong > 0 ? 1 : 0;
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
