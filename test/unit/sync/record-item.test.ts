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

  it('holds the keys, the version the rule compares, the data and who wrote it when', () => {
    const item = recordItem({ key: 'k', sourceTimestampMs: 30, data: { a: 1 } }, writer, version);

    expect(item).toEqual({
      pk: 'job#job-1',
      sk: 'k',
      sourceTimestamp: 30,
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
