import { describe, expect, it } from 'vitest';
import { comparePage } from '../../../functions/reconcile/compare-page.js';
import { contentHash } from '../../../functions/sync/record-content.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';

const record = (key: string, data: Record<string, unknown>, legacyKey?: string): SourceRecord => ({
  key,
  sourceTimestampMs: 1_000,
  data,
  ...(legacyKey ? { legacyKey } : {}),
});
const stored = (key: string, data: Record<string, unknown>) => ({
  key,
  sourceTimestampMs: 1_000,
  contentHash: contentHash(data),
});

describe('comparing a page with the stored records of its span', () => {
  it('tells missing, stale and extra apart, and leaves equal content alone whatever its key order', () => {
    const differences = comparePage(
      [record('a', { v: 1, w: 2 }), record('b', { v: 1 }), record('c', { v: 1 })],
      [stored('a', { w: 2, v: 1 }), stored('b', { v: 2 }), stored('z', { v: 1 })],
    );

    expect(differences.missing.map((r) => r.key)).toEqual(['c']);
    expect(differences.stale.map((s) => [s.record.key, s.storedKey])).toEqual([['b', 'b']]);
    expect(differences.extra.map((r) => r.key)).toEqual(['z']);
  });

  it('finds a record stored under its legacy key, and names that key for the repair', () => {
    const differences = comparePage(
      [record('x\\#y#z', { v: 1 }, 'x#y#z'), record('p\\#q', { v: 1 }, 'p#q')],
      [stored('x#y#z', { v: 1 }), stored('p#q', { v: 0 })],
    );

    expect(differences.missing).toEqual([]);
    expect(differences.extra).toEqual([]);
    expect(differences.stale.map((s) => s.storedKey)).toEqual(['p#q']);
  });
});
