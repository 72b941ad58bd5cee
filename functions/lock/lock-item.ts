// The lock item's attribute names and how to read it back, both from the document client's plain
// output and from the raw AttributeValue map a ConditionalCheckFailedException carries (the
// document client does not unmarshall errors).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Attribute names on the lock item (`controlKeys.lock(job)` in the control table). */
export const LockAttribute = {
  owner: 'owner',
  fence: 'fence',
  leaseUntil: 'leaseUntil',
  acquiredAt: 'acquiredAt',
  releasedAt: 'releasedAt',
  /** Owner and fence of the last release that landed: lets a retried release recognise itself as done. */
  releasedBy: 'releasedBy',
  releasedFence: 'releasedFence',
} as const;

/** What the lock item says, as far as it says it; every field is absent on a never-used lock. */
export interface LockItemSnapshot {
  /** Absent once released: an owner on an expired lease means its holder never released (a crash). */
  readonly owner?: string;
  readonly fence?: number;
  /** Epoch ms; 0 once released. */
  readonly leaseUntilMs?: number;
  readonly acquiredAtMs?: number;
  readonly releasedAtMs?: number;
  readonly releasedBy?: string;
  readonly releasedFence?: number;
}

/** Reads a lock item as returned by the document client (plain JavaScript values). */
export function lockItemFromDocument(item: Record<string, unknown>): LockItemSnapshot {
  return snapshot((name) => item[name]);
}

/** Reads a lock item from raw DynamoDB AttributeValues, as found on `ConditionalCheckFailedException.Item`. */
export function lockItemFromAttributeValues(item: Record<string, AttributeValue>): LockItemSnapshot {
  return snapshot((name) => {
    const value = item[name];
    if (value?.S !== undefined) return value.S;
    if (value?.N !== undefined) return Number(value.N);
    return undefined;
  });
}

/** An attribute of the wrong type (a hand-edited item) reads as absent, like a missing one. */
function snapshot(read: (name: string) => unknown): LockItemSnapshot {
  const text = (name: string) => {
    const value = read(name);
    return typeof value === 'string' ? value : undefined;
  };
  const number = (name: string) => {
    const value = read(name);
    // Number.isFinite is false for anything but a finite number, so the cast is safe.
    return Number.isFinite(value) ? (value as number) : undefined;
  };
  return withoutUndefined({
    owner: text(LockAttribute.owner),
    fence: number(LockAttribute.fence),
    leaseUntilMs: number(LockAttribute.leaseUntil),
    acquiredAtMs: number(LockAttribute.acquiredAt),
    releasedAtMs: number(LockAttribute.releasedAt),
    releasedBy: text(LockAttribute.releasedBy),
    releasedFence: number(LockAttribute.releasedFence),
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
