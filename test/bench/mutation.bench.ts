// `npm run bench:mutation [-- [--concurrency N] [--incremental] [--report-only] [file ...]]`: StrykerJS over the files in
// stryker.config.mjs (or the listed subset of them), against one DynamoDB Local this script starts and
// every Stryker test runner shares. Prints the mutation score per file and in total, with the mutants
// reviewed as equivalent (stryker.equivalent.json, matched by file, mutator, replacement and source
// line, so they survive line shifts) set aside; lists every other survivor. Exits non-zero when a file
// scores under 90%. The score line reads `mutation score: X%` (scripts read it). --report-only scores
// the last report again (after editing stryker.equivalent.json) without running Stryker.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { MUTATION_DYNAMODB_ENDPOINT_ENV } from './mutation-global-setup.js';

const TARGET_PERCENT = 90;
const ROOT = resolve(import.meta.dirname, '../..');
const REPORT = resolve(ROOT, 'reports/mutation/mutation.json');
const EQUIVALENTS = resolve(ROOT, 'stryker.equivalent.json');

/** A mutant reviewed as equivalent: no test can tell it from the original code. */
export interface EquivalentMutant {
  readonly file: string;
  readonly mutator: string;
  /** The source line the mutant starts on, trimmed. */
  readonly line: string;
  readonly replacement: string;
  /** When the same line text occurs more than once in the file: which occurrence (1-based) is meant. */
  readonly occurrence?: number;
  readonly reason: string;
}

interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { start: { line: number; column: number } };
}

interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly ReportMutant[] }>;
}

interface FileScore {
  readonly file: string;
  killed: number;
  survived: number;
  equivalent: number;
  ignored: number;
  errors: number;
  readonly unlisted: string[];
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function parseArgs(argv: readonly string[]) {
  let concurrency = 2;
  let incremental = false;
  let reportOnly = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--concurrency') concurrency = Number(argv[++i]);
    else if (arg === '--incremental') incremental = true;
    else if (arg === '--report-only') reportOnly = true;
    else files.push(arg);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 2) {
    throw new Error('--concurrency must be 1 or 2: the machine has 2 cores and DynamoDB Local needs some');
  }
  return { concurrency, incremental, reportOnly, files };
}

function runStryker(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('npx', ['stryker', 'run', 'stryker.config.mjs', ...args], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

function readEquivalents(): EquivalentMutant[] {
  if (!existsSync(EQUIVALENTS)) return [];
  return JSON.parse(readFileSync(EQUIVALENTS, 'utf8')) as EquivalentMutant[];
}

/** Scores each file of the report; `equivalents` entries that matched a mutant are marked in `used`. */
export function scoreReport(report: Report, equivalents: readonly EquivalentMutant[], used: Set<number>) {
  const scores: FileScore[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    const score: FileScore = {
      file,
      killed: 0,
      survived: 0,
      equivalent: 0,
      ignored: 0,
      errors: 0,
      unlisted: [],
    };
    for (const mutant of mutants) {
      if (DETECTED.has(mutant.status)) {
        score.killed++;
        continue;
      }
      if (!UNDETECTED.has(mutant.status)) {
        if (mutant.status === 'Ignored') score.ignored++;
        else score.errors++; // CompileError, RuntimeError: not a mutant the tests could judge
        continue;
      }
      const line = (lines[mutant.location.start.line - 1] ?? '').trim();
      const occurrence = lines.slice(0, mutant.location.start.line).filter((l) => l.trim() === line).length;
      const match = equivalents.findIndex(
        (e) =>
          e.file === file &&
          e.mutator === mutant.mutatorName &&
          e.line === line &&
          e.replacement === (mutant.replacement ?? '') &&
          (e.occurrence === undefined || e.occurrence === occurrence),
      );
      if (match >= 0) {
        used.add(match);
        score.equivalent++;
        continue;
      }
      score.survived++;
      score.unlisted.push(
        `${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.status} ` +
          `${mutant.mutatorName} → ${JSON.stringify(mutant.replacement ?? '')}\n      line: ${line}`,
      );
    }
    scores.push(score);
  }
  return scores.sort((a, b) => a.file.localeCompare(b.file));
}

const percent = (killed: number, survived: number) =>
  killed + survived === 0 ? 100 : (100 * killed) / (killed + survived);

async function main() {
  const { concurrency, incremental, reportOnly, files } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  if (!reportOnly) await mutate(concurrency, incremental, files);
  printScores(concurrency, (performance.now() - started) / 60_000);
}

/** Runs Stryker against a DynamoDB Local started for it; exits when Stryker fails. */
async function mutate(concurrency: number, incremental: boolean, files: readonly string[]) {
  const started = performance.now();
  const dynamoDb = await startDynamoDbLocal();
  const stop = () => dynamoDb.stop();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(130)));
  }
  let exitCode: number;
  try {
    exitCode = await runStryker(
      [
        '--concurrency',
        String(concurrency),
        ...(incremental ? ['--incremental'] : []),
        ...(files.length > 0 ? ['--mutate', files.join(',')] : []),
      ],
      { ...process.env, [MUTATION_DYNAMODB_ENDPOINT_ENV]: dynamoDb.endpoint },
    );
  } finally {
    await stop();
  }
  const minutes = (performance.now() - started) / 60_000;
  if (exitCode !== 0 || !existsSync(REPORT)) {
    console.error(`Stryker exited with ${exitCode} after ${minutes.toFixed(1)} min; no scores to report`);
    process.exit(exitCode || 1);
  }
}

function printScores(concurrency: number, minutes: number) {
  const equivalents = readEquivalents();
  const used = new Set<number>();
  const scores = scoreReport(JSON.parse(readFileSync(REPORT, 'utf8')) as Report, equivalents, used);
  console.log('\nfile                                        killed  survived  equivalent  ignored  score');
  let [killed, survived, equivalent] = [0, 0, 0];
  const under: string[] = [];
  for (const s of scores) {
    const filePercent = percent(s.killed, s.survived);
    if (filePercent < TARGET_PERCENT) under.push(s.file);
    console.log(
      `${s.file.padEnd(44)}${String(s.killed).padStart(6)}${String(s.survived).padStart(10)}` +
        `${String(s.equivalent).padStart(12)}${String(s.ignored).padStart(9)}  ${filePercent.toFixed(1)}%` +
        (s.errors > 0 ? `  (${s.errors} compile/runtime errors)` : ''),
    );
    killed += s.killed;
    survived += s.survived;
    equivalent += s.equivalent;
  }
  const unlisted = scores.flatMap((s) => s.unlisted);
  if (unlisted.length > 0) {
    console.log(`\nSurvivors not reviewed as equivalent (${unlisted.length}): kill them or review them`);
    for (const line of unlisted) console.log(`  ${line}`);
  }
  const stale = equivalents.filter((e, i) => !used.has(i) && scores.some((s) => s.file === e.file));
  if (stale.length > 0) {
    console.log(
      `\nEquivalent entries that matched no surviving mutant (${stale.length}): remove or update them`,
    );
    for (const e of stale)
      console.log(`  ${e.file} ${e.mutator} → ${JSON.stringify(e.replacement)}: ${e.line}`);
  }
  console.log(
    `\n${equivalent} mutants set aside as equivalent (stryker.equivalent.json); ` +
      `${minutes.toFixed(1)} min at concurrency ${concurrency}`,
  );
  console.log(`mutation score: ${percent(killed, survived).toFixed(1)}%`);
  if (under.length > 0) {
    console.error(`Under ${TARGET_PERCENT}%: ${under.join(', ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await main();
}
