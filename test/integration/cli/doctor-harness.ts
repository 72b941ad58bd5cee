// Runs `syncwarden doctor` in-process (main() with captured streams) against a simulator over loopback,
// with key files in a temporary directory, and checks that no key value ever reaches its output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { main } from '../../../infra/cli/main.js';
import {
  type SimulatorOptions,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';

export interface DoctorRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** `--json` lines by check id. */
  readonly checks: Readonly<Record<string, CheckLine>>;
}

/** One `--json` line of a check. */
export interface CheckLine {
  readonly status: string;
  readonly evidence: string;
  readonly cause?: string;
  readonly action?: string;
  readonly details?: Record<string, unknown>;
}

/** Captures a stream's writes as text. */
export function captured(): Writable & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

export async function doctor(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<DoctorRun> {
  const stdout = captured();
  const stderr = captured();
  const code = await main(['doctor', ...args], { stdout, stderr, env });
  const checks: Record<string, CheckLine> = {};
  for (const line of stdout.text().split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { check?: string } & CheckLine;
    if (parsed.check) checks[parsed.check] = parsed;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text(), checks };
}

export interface DoctorFixture {
  readonly sim: ThingWorxSimulator;
  /** Every key value handed out: none may appear in any doctor output. */
  readonly keyValues: string[];
  /** A new simulator key written to a key file; returns the file's path. */
  keyFile(
    input?: Parameters<ThingWorxSimulator['keys']['add']>[0],
    file?: { readonly expiresAt?: string | null; readonly keyName?: string | null; readonly proxy?: object },
  ): string;
  /** `doctor --endpoint <sim> --thing SensorStream --app-key-file <file> --json ...args`, key absence checked. */
  run(keyFile: string, args?: readonly string[], endpoint?: string): Promise<DoctorRun>;
}

/** One simulator per file; faults, clock, back end and pool reset before each test. */
export function doctorFixture(options: SimulatorOptions = {}): DoctorFixture {
  const state = { keyValues: [] as string[] } as {
    sim: ThingWorxSimulator;
    dir: string;
    keyValues: string[];
  };
  beforeAll(async () => {
    state.sim = await startThingWorxSimulator({ seed: 7, ...options });
    const nowMs = state.sim.clock.nowMs();
    if (!options.initialEntries)
      state.sim.stream.generate(300, { fromMs: nowMs - 3_600_000, toMs: nowMs - 1_000 });
    state.dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  });
  afterAll(async () => {
    await state.sim.stop();
    rmSync(state.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    state.sim.faults.clear();
    state.sim.clock.setOffsetMs(0);
    state.sim.clock.setBackendOffsetsMs([]);
    state.sim.backend.set('postgres');
    state.keyValues = [];
  });
  afterEach(() => undefined);
  let files = 0;
  return {
    get sim() {
      return state.sim;
    },
    get keyValues() {
      return state.keyValues;
    },
    keyFile(input = {}, file = {}) {
      const key = state.sim.keys.add(input);
      state.keyValues.push(key.keyId);
      const expiresAtMs = input.expiresAtMs ?? state.sim.clock.nowMs() + 24 * 3_600_000;
      const content: Record<string, unknown> = { appKey: key.keyId };
      if (file.keyName !== null) content.keyName = file.keyName ?? key.name;
      if (file.expiresAt !== null) content.expiresAt = file.expiresAt ?? new Date(expiresAtMs).toISOString();
      if (file.proxy) content.proxy = file.proxy;
      const path = join(state.dir, `key-${++files}.json`);
      writeFileSync(path, JSON.stringify(content), { mode: 0o600 });
      return path;
    },
    async run(keyFile, args = [], endpoint = state.sim.baseUrl) {
      const result = await doctor([
        '--endpoint',
        endpoint,
        '--thing',
        state.sim.thing,
        '--app-key-file',
        keyFile,
        '--json',
        ...args,
      ]);
      for (const value of state.keyValues) {
        expect(result.stdout, 'a key value appeared on stdout').not.toContain(value);
        expect(result.stderr, 'a key value appeared on stderr').not.toContain(value);
      }
      return result;
    },
  };
}

/** The status of each named check, for one readable assertion. */
export function statuses(run: DoctorRun, ids: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(ids.map((id) => [id, run.checks[id]?.status]));
}
