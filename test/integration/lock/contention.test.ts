import { beforeAll, describe, expect, it } from 'vitest';
import type { AcquireResult } from '../../../functions/lock/lease.js';
import { createLeaseLock } from '../../../functions/lock/lease-lock.js';
import { systemClock } from '../../../functions/shared/clock.js';
import { freshTables } from '../../support/dynamodb.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

const CONTENDERS = 50;
const ROUNDS = 10;

interface Round {
  readonly results: AcquireResult[];
}

/** Starts all contenders' acquires together: none of them runs until the barrier opens. */
async function raceForTheLock(
  acquire: (contender: number) => Promise<AcquireResult>,
): Promise<AcquireResult[]> {
  let open: () => void = () => {};
  const barrier = new Promise<void>((resolve) => {
    open = resolve;
  });
  const attempts = Array.from({ length: CONTENDERS }, (_, contender) =>
    barrier.then(() => acquire(contender)),
  );
  open();
  return Promise.all(attempts);
}

describe(`${CONTENDERS} runs racing for the lock, ${ROUNDS} rounds`, () => {
  const rounds: Round[] = [];
  const metrics = new RecordingMetrics();

  beforeAll(async () => {
    const db = await freshTables('lock-race');
    const lock = createLeaseLock({
      documentClient: db.documentClient,
      tableName: db.tables.controlTable,
      clock: systemClock,
      metrics,
      logger: new RecordingLogger(),
    });
    for (let round = 0; round < ROUNDS; round++) {
      const results = await raceForTheLock((contender) =>
        lock.acquire('contended', { requestId: `round${round}-run${contender}`, remainingTimeMs: 60_000 }),
      );
      rounds.push({ results });
      for (const result of results) {
        if (result.status === 'acquired') await lock.release(result.lease);
      }
    }
  }, 120_000);

  it('lets exactly one run win each round', () => {
    const winnersPerRound = rounds.map(
      (round) => round.results.filter((r) => r.status === 'acquired').length,
    );

    expect(winnersPerRound).toEqual(Array(ROUNDS).fill(1));
  });

  it('tells every losing run that the round’s winner holds the lock', () => {
    for (const { results } of rounds) {
      const winner = results.find((r) => r.status === 'acquired');
      const winnerOwner = winner?.status === 'acquired' ? winner.lease.owner : undefined;
      const holders = new Set(results.flatMap((r) => (r.status === 'held' ? [r.holder.owner] : [])));

      expect([...holders]).toEqual([winnerOwner]);
    }
  });

  it('hands out strictly increasing fences across rounds', () => {
    const fences = rounds.flatMap((round) =>
      round.results.flatMap((r) => (r.status === 'acquired' ? [r.lease.fence] : [])),
    );

    expect(fences).toHaveLength(ROUNDS);
    for (let i = 1; i < fences.length; i++) {
      expect(fences[i]).toBeGreaterThan(fences[i - 1] ?? Number.POSITIVE_INFINITY);
    }
  });

  it('counts every loser as a skipped run', () => {
    expect(metrics.count('RunSkippedLockHeld')).toBe(ROUNDS * (CONTENDERS - 1));
  });
});
