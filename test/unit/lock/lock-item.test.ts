// Reading the lock item back: the document client's plain values and the raw AttributeValues of a
// ConditionalCheckFailedException must give the same snapshot, listing only what the item says, with
// an attribute of the wrong type (a hand-edited item) read as absent rather than passed on.
import { describe, expect, it } from 'vitest';
import { lockItemFromAttributeValues, lockItemFromDocument } from '../../../functions/lock/lock-item.js';

describe('a lock item read back', () => {
  it('gives every field, from either form', () => {
    const expected = {
      owner: 'req#abc',
      fence: 7,
      leaseUntilMs: 0,
      acquiredAtMs: 100,
      releasedAtMs: 200,
      releasedBy: 'req#abc',
      releasedFence: 7,
    };
    const document = {
      pk: 'job#orders',
      sk: 'lock',
      owner: 'req#abc',
      fence: 7,
      leaseUntil: 0,
      acquiredAt: 100,
      releasedAt: 200,
      releasedBy: 'req#abc',
      releasedFence: 7,
    };
    const attributeValues = {
      pk: { S: 'job#orders' },
      sk: { S: 'lock' },
      owner: { S: 'req#abc' },
      fence: { N: '7' },
      leaseUntil: { N: '0' },
      acquiredAt: { N: '100' },
      releasedAt: { N: '200' },
      releasedBy: { S: 'req#abc' },
      releasedFence: { N: '7' },
    };

    expect(lockItemFromDocument(document)).toStrictEqual(expected);
    expect(lockItemFromAttributeValues(attributeValues)).toStrictEqual(expected);
  });

  it('lists only the fields the item has (a released lock has no owner key at all)', () => {
    const snapshot = lockItemFromAttributeValues({ fence: { N: '7' }, leaseUntil: { N: '0' } });

    expect(snapshot).toStrictEqual({ fence: 7, leaseUntilMs: 0 });
    expect(Object.keys(lockItemFromDocument({ fence: 7 }))).toEqual(['fence']);
  });

  it('reads attributes of the wrong type as absent', () => {
    expect(lockItemFromDocument({ owner: 42, fence: '7', leaseUntil: true, releasedBy: null })).toStrictEqual(
      {},
    );
    expect(
      lockItemFromAttributeValues({ owner: { N: '42' }, fence: { S: '7' }, leaseUntil: { BOOL: true } }),
    ).toStrictEqual({});
  });

  it('reads a number that is not finite as absent', () => {
    expect(lockItemFromAttributeValues({ fence: { N: 'not-a-number' } })).toStrictEqual({});
    expect(lockItemFromDocument({ fence: Number.NaN, leaseUntil: Number.POSITIVE_INFINITY })).toStrictEqual(
      {},
    );
  });
});
