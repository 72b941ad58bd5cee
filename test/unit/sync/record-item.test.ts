// The one replacement rule (mayReplace) case by case, at each boundary of each comparison, and the item a
// record is stored as. That DynamoDB's condition expression agrees with the rule is proven against
// DynamoDB Local (test/integration/sync/replacement-rule.test.ts).
import { describe, expect, it } from 'vitest';
import { mayReplace, recordItem, type StoredVersion } from '../../../functions/sync/record-item.js';
import { ESCAPED_FIELD_NAMES } from '../../../functions/sync/stored-data.js';

const stored: StoredVersion = { fence: 5, sourceTimestamp: 100, contentHash: 'h1', readAt: 1_000 };
const incoming = (change: Partial<StoredVersion>): StoredVersion => ({ ...stored, ...change });

describe('mayReplace', () => {
  it.each([
    ['a newer timestamp under the same fence', { sourceTimestamp: 101 }],
    ['a newer timestamp under a higher fence', { sourceTimestamp: 101, fence: 6 }],
    ['a newer timestamp with the same content, read earlier', { sourceTimestamp: 101, readAt: 1 }],
    ['other content at the same timestamp, read later', { contentHash: 'h2', readAt: 1_001 }],
    [
      'other content at the same timestamp, read later, under a higher fence',
      { contentHash: 'h2', readAt: 1_001, fence: 6 },
    ],
  ] as const)('lets %s replace the stored version', (_, change) => {
    expect(mayReplace(stored, incoming(change))).toBe(true);
  });

  it.each([
    ['the same version read again', {}],
    ['the same version read again later, under a higher fence', { readAt: 2_000, fence: 6 }],
    ['a newer timestamp under a lower fence', { sourceTimestamp: 101, fence: 4 }],
    ['other content read later under a lower fence', { contentHash: 'h2', readAt: 1_001, fence: 4 }],
    [
      'an older timestamp, even with other content read later',
      { sourceTimestamp: 99, contentHash: 'h2', readAt: 2_000 },
    ],
    ['other content at the same timestamp, read at the same moment', { contentHash: 'h2' }],
    ['other content at the same timestamp, read earlier', { contentHash: 'h2', readAt: 999 }],
  ] as const)('refuses %s', (_, change) => {
    expect(mayReplace(stored, incoming(change))).toBe(false);
  });
});

describe('recordItem', () => {
  const writer = { job: 'job-1', runId: 'run-7', fence: 3 };
  const version = { readAtMs: 40, syncedAtMs: 50 };

  // The audit reads these from the table by key range; only the others go to its sparse index.
  it('carries no index key when the key starts with the source time (the default key fields)', () => {
    const item = recordItem(
      { key: '1700000000000#Sensor-1', sourceTimestampMs: 1_700_000_000_000, data: {} },
      writer,
      version,
    );

    expect(item).not.toHaveProperty('auditTime');
    expect(item.sourceTimestamp).toBe(1_700_000_000_000);
  });

  it.each([
    ['starts with another key part', 'Sensor-1#1700000000000'],
    ['starts with another time', '1700000000001#Sensor-1'],
  ])('carries the source time as the index key when the key %s', (_, key) => {
    const item = recordItem({ key, sourceTimestampMs: 1_700_000_000_000, data: {} }, writer, version);

    expect(item).toMatchObject({ sk: key, sourceTimestamp: 1_700_000_000_000, auditTime: 1_700_000_000_000 });
  });

  it('holds the keys, the version the rule compares, the data and who wrote it when', () => {
    const item = recordItem({ key: 'k', sourceTimestampMs: 30, data: { a: 1 } }, writer, version);

    expect(item).toEqual({
      pk: 'job#job-1',
      sk: 'k',
      sourceTimestamp: 30,
      auditTime: 30, // the key does not start with the time
      contentHash: expect.stringMatching(/^[\w-]{22}$/),
      data: { a: 1 },
      runId: 'run-7',
      fence: 3,
      readAt: 40,
      syncedAt: 50,
    });
  });

  it('says when the data’s field names were escaped, and only then', () => {
    const escaped = recordItem({ key: 'k', sourceTimestampMs: 1, data: { '': 1 } }, writer, version);
    const plain = recordItem({ key: 'k', sourceTimestampMs: 1, data: { a: 1 } }, writer, version);

    expect(escaped).toMatchObject({ [ESCAPED_FIELD_NAMES.attribute]: ESCAPED_FIELD_NAMES.value });
    expect(plain).not.toHaveProperty(ESCAPED_FIELD_NAMES.attribute);
  });
});
