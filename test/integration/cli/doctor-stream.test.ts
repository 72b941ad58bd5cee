// Stream semantics, judged by doctor from the simulator's own entries under each back-end profile and
// switch: which bounds are inclusive, whether oldestFirst is honoured, where answers are capped, the
// largest group of equal timestamps, the configured fields, and the profile the answers match.
import { describe, expect, it } from 'vitest';
import { doctorFixture, statuses } from './doctor-harness.js';

const STREAM_ONLY = ['--only', 'stream,throughput'];
const STREAM_CHECKS = ['stream.bounds', 'stream.order', 'stream.cap', 'stream.groups', 'stream.profile'];

describe('doctor: stream semantics on each back end', () => {
  const fx = doctorFixture();

  it('matches postgres: both bounds inclusive, oldest first, no cap', async () => {
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(statuses(run, [...STREAM_CHECKS, 'stream.fields', 'throughput'])).toEqual({
      'stream.bounds': 'ok',
      'stream.order': 'ok',
      'stream.cap': 'ok',
      'stream.groups': 'ok',
      'stream.profile': 'ok',
      'stream.fields': 'ok',
      throughput: 'ok',
    });
    expect(run.checks['stream.bounds']?.details).toEqual({ startInclusive: true, endInclusive: true });
    expect(run.checks['stream.profile']?.evidence).toContain(
      'postgres (both bounds inclusive) (--backend postgres)',
    );
    expect(run.checks['stream.groups']?.evidence).toContain(
      `in the last day (${fx.sim.stream.all().length} entries)`,
    );
  });

  it('matches dse by its exclusive end date', async () => {
    fx.sim.backend.set('dse');
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.bounds']?.details).toEqual({ startInclusive: true, endInclusive: false });
    expect(run.checks['stream.profile']).toMatchObject({ status: 'ok' });
    expect(run.checks['stream.profile']?.evidence).toContain('dse (end exclusive) (--backend dse)');
  });

  it('names an exclusive start date (startExclusive)', async () => {
    fx.sim.backend.set({ startExclusive: true });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.bounds']?.details).toEqual({ startInclusive: false, endInclusive: true });
    expect(run.checks['stream.profile']?.evidence).toContain('--backend postgres,startExclusive');
  });

  it('warns that oldestFirst is ignored (newest first), and the sync still reads every entry', async () => {
    fx.sim.backend.set({ ignoreOldestFirst: true });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.order']?.status).toBe('WARN');
    expect(run.checks['stream.order']?.evidence).toContain('oldestFirst is ignored');
    expect(run.checks['stream.groups']?.evidence).toContain(`(${fx.sim.stream.all().length} entries)`);
    expect(run.checks['stream.profile']).toMatchObject({ status: 'ok' });
    expect(run.checks['stream.profile']?.evidence).toContain('--backend postgres,ignoreOldestFirst');
  });

  it('warns of a cut that keeps the newest rows though answers come oldest first, naming the switch', async () => {
    fx.sim.backend.set({ cutKeepsNewest: true });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.order']).toMatchObject({ status: 'WARN', cause: 'cut-keeps-newest' });
    expect(run.checks['stream.groups']?.evidence).toContain(`(${fx.sim.stream.all().length} entries)`);
    expect(run.checks['stream.profile']?.evidence).toContain(
      'postgres (both bounds inclusive), cuts keep the newest rows (--backend postgres,cutKeepsNewest)',
    );
  });

  it('finds a cap on maxItems and where it is', async () => {
    fx.sim.backend.set({ profile: 'dse', maxItemsCap: 40 });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.cap']).toMatchObject({ status: 'WARN', details: { maxItemsCap: 40 } });
    expect(run.checks['stream.profile']?.evidence).toContain('--backend dse,maxItemsCap=40');
    expect(run.checks['stream.groups']?.evidence).toContain(`(${fx.sim.stream.all().length} entries)`);
  });

  it('passes upserts that change the id: the sync keys records by timestamp and source', async () => {
    fx.sim.backend.set({ upsertKeepsId: false });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(statuses(run, STREAM_CHECKS)).toEqual(Object.fromEntries(STREAM_CHECKS.map((id) => [id, 'ok'])));
  });

  it('fails rows without a configured key field, naming it', async () => {
    const run = await fx.run(fx.keyFile(), [...STREAM_ONLY, '--key-fields', 'timestamp,machine']);

    expect(run.checks['stream.fields']).toMatchObject({ status: 'FAIL', cause: 'bad-source-row' });
    expect(run.checks['stream.fields']?.evidence).toContain('50 lack "machine"');
  });

  it('fails a group of equal timestamps as large as the cap: no date query can read it', async () => {
    fx.sim.stream.generate(30, { atMs: fx.sim.clock.nowMs() - 600_000 });
    fx.sim.backend.set({ maxItemsCap: 25 });
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.read']).toMatchObject({
      status: 'FAIL',
      cause: 'source-group-exceeds-server-limit',
    });
    expect(run.checks['stream.profile']?.status).toBe('FAIL');
    expect(run.code).toBe(1);
  });
});

describe('doctor: a back end that keeps equal keys side by side', () => {
  const fx = doctorFixture();

  it('fails duplicate record keys and names upsert=false', async () => {
    fx.sim.backend.set({ upsert: false });
    const atMs = fx.sim.clock.nowMs() - 120_000;
    fx.sim.stream.append([
      { timestamp: atMs, source: 'Press-01' },
      { timestamp: atMs, source: 'Press-01' },
    ]);
    const run = await fx.run(fx.keyFile(), STREAM_ONLY);

    expect(run.checks['stream.read']).toMatchObject({ status: 'FAIL', cause: 'duplicate-record-key' });
    expect(run.checks['stream.profile']?.evidence).toContain('upsert=false');
  });
});
