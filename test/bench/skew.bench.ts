// bench:skew: how well each method finds the simulator's clock offset over loopback. Each offset is
// measured 20 times by (a) syncwarden (bracketing + boundary aiming), (b) the naive
// method (one request, offset = Date − receive time) and (c) htpdate's default 4-step bisection
// (precision 4, resolution 62.5 ms), reimplemented here over the same transport and clock.
// Each simulator runs in a process of its own, so the server's event loop is not ours.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { measureTarget } from '../../functions/clock-skew/measure.js';
import { anchoredClock } from '../../functions/clock-skew/measurement-clock.js';
import { createHttpProbeTransport, type ProbeTransport } from '../../functions/clock-skew/probe-transport.js';
import { startThingWorxSimulator } from '../../infra/local/thingworx-simulator/index.js';

const TRUE_OFFSETS_MS = [0, 123.4, -700.3, 2_345.6, -59_999.9, 3_600_250];
const RUNS = 20;
const TARGETS = { worstErrorMs: 2, medianBoundMs: 2, requests: 11, insidePercent: 100 };

interface Sample {
  errorMs: number;
  boundMs: number | undefined;
  requests: number;
  inside: boolean | undefined;
}

if (process.argv[2] === 'simulator') {
  const sim = await startThingWorxSimulator({ clockOffsetMs: Number(process.argv[3]) });
  process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void sim.stop().then(() => process.exit(0)));
} else {
  await main();
}

async function startSimulatorProcess(offsetMs: number): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn('npx', ['tsx', 'test/bench/skew.bench.ts', 'simulator', String(offsetMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  return { child, baseUrl: (JSON.parse(first) as { baseUrl: string }).baseUrl };
}

async function syncwarden(url: URL, truthMs: number, transport: ProbeTransport): Promise<Sample> {
  const m = await measureTarget(
    { name: 'bench', url, toleranceMs: 5000 },
    { transport, startClock: anchoredClock },
  );
  if (m.outcome !== 'measured') throw new Error(`syncwarden: ${m.outcome} (${JSON.stringify(m)})`);
  const errorMs = Math.abs(m.offsetMs - truthMs);
  return { errorMs, boundMs: m.boundMs, requests: m.requests, inside: errorMs <= m.boundMs };
}

async function naive(url: URL, truthMs: number, transport: ProbeTransport): Promise<Sample> {
  const clock = anchoredClock();
  const response = await transport.probe(
    { method: 'HEAD', url, sendAtMs: clock.nowMs(), timeoutMs: 3000 },
    clock,
  );
  const offsetMs = Date.parse(response.headers.date ?? '') - response.receivedAtMs;
  return { errorMs: Math.abs(offsetMs - truthMs), boundMs: undefined, requests: 1, inside: undefined };
}

/**
 * htpdate 1.x getHTTPdate() with its default precision 4: a first request measures the latency only;
 * then 4 requests sent (latency early) at local sub-second `when`, starting at 1 s / 2^4, stepping by a
 * nap that halves each time and turns round whenever the whole-second difference changes.
 */
async function htpdate(url: URL, truthMs: number, transport: ProbeTransport): Promise<Sample> {
  const clock = anchoredClock();
  let precision = 4;
  let napMs = 1000;
  let latencyMs = 0;
  let whenMs = napMs / 2 ** precision;
  let polls = 0;
  let requests = 0;
  let firstOffsetS = 0;
  let previousOffsetS = 0;
  do {
    const nowMs = clock.nowMs();
    const phaseMs = ((nowMs % 1000) + 1000) % 1000;
    const waitMs =
      whenMs - latencyMs >= phaseMs ? whenMs - phaseMs - latencyMs : 1000 + whenMs - phaseMs - latencyMs;
    const response = await transport.probe(
      { method: 'HEAD', url, sendAtMs: nowMs + waitMs, timeoutMs: 3000 },
      clock,
    );
    requests++;
    const rttMs = response.receivedAtMs - response.sentAtMs;
    if (latencyMs === 0) {
      latencyMs = rttMs / 2;
      continue;
    }
    latencyMs = rttMs / 2;
    const offsetS = Math.floor(response.receivedAtMs / 1000) - Date.parse(response.headers.date ?? '') / 1000;
    polls++;
    napMs /= 2;
    if (polls > 1) {
      if (offsetS !== previousOffsetS) napMs = -napMs;
    } else {
      firstOffsetS = offsetS;
    }
    previousOffsetS = offsetS;
    precision--;
    whenMs += napMs;
  } while (precision >= 1);
  const offsetMs =
    firstOffsetS < 0 ? -firstOffsetS * 1000 + (1000 - whenMs) : -firstOffsetS * 1000 + 1000 - whenMs;
  const errorMs = Math.abs(offsetMs - truthMs);
  const resolutionMs = Math.abs(napMs);
  return { errorMs, boundMs: resolutionMs, requests, inside: errorMs <= resolutionMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const started = Date.now();
  const sims = await Promise.all(TRUE_OFFSETS_MS.map((offset) => startSimulatorProcess(offset)));
  const samples: Record<'syncwarden' | 'naive' | 'htpdate', Sample[]> = {
    syncwarden: [],
    naive: [],
    htpdate: [],
  };
  try {
    await Promise.all(
      sims.map(async ({ baseUrl }, index) => {
        const truthMs = TRUE_OFFSETS_MS[index] as number;
        const url = new URL(`${baseUrl}/Thingworx/`);
        const ours = createHttpProbeTransport();
        const theirs = createHttpProbeTransport();
        try {
          // One method at a time per simulator: concurrent loops in this process would delay each other's
          // receive stamps and widen every bracket.
          for (let run = 0; run < RUNS; run++) {
            samples.syncwarden.push(await syncwarden(url, truthMs, ours));
            samples.naive.push(await naive(url, truthMs, theirs));
            samples.htpdate.push(await htpdate(url, truthMs, theirs));
          }
        } finally {
          ours.close();
          theirs.close();
        }
      }),
    );
  } finally {
    for (const { child } of sims) child.stdin?.end();
  }

  const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : ms.toFixed(3));
  console.log(
    `\nbench:skew: offsets ${TRUE_OFFSETS_MS.join(', ')} ms, ${RUNS} measurements each, loopback HTTP, simulators in child processes\n`,
  );
  const header = [
    'method',
    'median |err| ms',
    'worst |err| ms',
    'median bound ms',
    'requests med/max',
    'truth in bound',
  ];
  const rows = (['syncwarden', 'naive', 'htpdate'] as const).map((method) => {
    const s = samples[method];
    const bounds = s.flatMap((x) => (x.boundMs === undefined ? [] : [x.boundMs]));
    const insides = s.flatMap((x) => (x.inside === undefined ? [] : [x.inside]));
    return [
      method === 'htpdate' ? 'htpdate -p 4' : method,
      fmt(median(s.map((x) => x.errorMs))),
      fmt(Math.max(...s.map((x) => x.errorMs))),
      bounds.length ? fmt(median(bounds)) : 'none',
      `${median(s.map((x) => x.requests))}/${Math.max(...s.map((x) => x.requests))}`,
      insides.length ? `${((100 * insides.filter(Boolean).length) / insides.length).toFixed(1)}%` : 'n/a',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(
    '(htpdate bound = its final step, the 62.5 ms resolution of precision 4; the naive method claims none)',
  );

  const ours = samples.syncwarden;
  const worst = Math.max(...ours.map((x) => x.errorMs));
  const medianBound = median(ours.map((x) => x.boundMs as number));
  const maxRequests = Math.max(...ours.map((x) => x.requests));
  const inside = (100 * ours.filter((x) => x.inside).length) / ours.length;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('\nsyncwarden against the targets:');
  console.log(
    `  worst |error| ${fmt(worst)} ms    target <= ${TARGETS.worstErrorMs} ms    ${verdict(worst <= TARGETS.worstErrorMs)}`,
  );
  console.log(
    `  median bound  ${fmt(medianBound)} ms    target <= ${TARGETS.medianBoundMs} ms    ${verdict(medianBound <= TARGETS.medianBoundMs)}`,
  );
  console.log(
    `  requests max  ${maxRequests}           target <= ${TARGETS.requests}       ${verdict(maxRequests <= TARGETS.requests)}  (1 warm-up + up to 10 aimed)`,
  );
  console.log(
    `  truth inside  ${inside.toFixed(1)}%        target ${TARGETS.insidePercent}%        ${verdict(inside >= TARGETS.insidePercent)}`,
  );
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
