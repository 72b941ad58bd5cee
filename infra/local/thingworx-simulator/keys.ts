// The application key registry and the users' service permissions. Expiry is judged on the
// server's (possibly skewed) clock, as ThingWorx does.
import type { Clock } from '../../../functions/shared/clock.js';
import type { Prng } from './prng.js';

/** ThingWorx gives a key created without an expiration date 24 hours of life. */
export const DEFAULT_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** The user that may invoke every service unless denied one. */
export const ADMINISTRATOR = 'Administrator';

export interface ApplicationKeyInput {
  /** @default `key-<n>` */
  name?: string;
  /** The secret value clients send in the `appKey` header. @default a UUID from the seeded PRNG */
  keyId?: string;
  /**
   * @default 'Administrator'. `null`: no user reference, as CreateApplicationKey without `user` makes; such a
   * key authenticates nothing (refusal 'no-user').
   */
  user?: string | null;
  /** Epoch ms on the server clock. @default creation + 24 h */
  expiresAtMs?: number;
  /** Addresses allowed to use the key; empty means any. */
  ipWhitelist?: readonly string[];
}

/** What `keys.list()` shows: everything but the key value itself. */
export interface ApplicationKeyInfo {
  readonly name: string;
  /** Null for a key created without a user reference. */
  readonly user: string | null;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revoked: boolean;
  readonly expired: boolean;
  readonly ipWhitelist: readonly string[];
}

export type AuthFailureReason = 'missing' | 'unknown' | 'revoked' | 'expired' | 'ip-not-allowed' | 'no-user';
export type AuthResult =
  | { readonly ok: true; readonly name: string; readonly user: string }
  | { readonly ok: false; readonly reason: AuthFailureReason };

interface StoredKey {
  name: string;
  keyId: string;
  user: string | null;
  createdAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
  ipWhitelist: string[];
}

export class KeyRegistry {
  private readonly byName = new Map<string, StoredKey>();
  private readonly grants = new Map<string, Set<string>>();
  private readonly denials = new Map<string, Set<string>>();
  private created = 0;

  constructor(
    private readonly clock: Clock,
    private readonly prng: Prng,
  ) {}

  add(input: ApplicationKeyInput = {}): { name: string; keyId: string } {
    this.created += 1;
    const name = input.name ?? `key-${this.created}`;
    if (this.byName.has(name)) throw new Error(`an application key named ${name} already exists`);
    const keyId = input.keyId ?? this.freshKeyId();
    if (this.findByKeyId(keyId)) throw new Error(`an application key with that key id already exists`);
    const createdAtMs = Math.floor(this.clock.nowMs());
    const expiresAtMs = input.expiresAtMs ?? createdAtMs + DEFAULT_KEY_LIFETIME_MS;
    if (!Number.isFinite(expiresAtMs)) throw new RangeError(`expiresAtMs must be a finite number`);
    this.byName.set(name, {
      name,
      keyId,
      user: input.user === undefined ? ADMINISTRATOR : input.user,
      createdAtMs,
      expiresAtMs,
      revoked: false,
      ipWhitelist: [...(input.ipWhitelist ?? [])],
    });
    return { name, keyId };
  }

  /** Marks a key revoked (it then answers 401); accepts the key's name or its key id. */
  revoke(keyIdOrName: string): void {
    const key = this.byName.get(keyIdOrName) ?? this.findByKeyId(keyIdOrName);
    if (!key) throw new Error('no such application key');
    key.revoked = true;
  }

  /** Deletes a key entirely (DeleteApplicationKey); its value is then unknown. */
  remove(name: string): boolean {
    return this.byName.delete(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  setExpiration(name: string, expiresAtMs: number): void {
    if (!Number.isFinite(expiresAtMs)) throw new RangeError(`expiresAtMs must be a finite number`);
    this.require(name).expiresAtMs = expiresAtMs;
  }

  isExpired(name: string): boolean {
    return this.clock.nowMs() >= this.require(name).expiresAtMs;
  }

  /** Epoch ms on the server clock (what GetExpirationDate answers). */
  expiresAtMsOf(name: string): number {
    return this.require(name).expiresAtMs;
  }

  keyIdOf(name: string): string | undefined {
    return this.byName.get(name)?.keyId;
  }

  /** Allows `user` to invoke `service` (a service name such as 'QueryStreamEntriesWithData', or '*'). */
  grant(user: string, service: string): void {
    setOf(this.grants, user).add(service);
    this.denials.get(user)?.delete(service);
  }

  /** Forbids `user` to invoke `service` ('*' for all); a denial beats a grant and the Administrator default. */
  deny(user: string, service: string): void {
    setOf(this.denials, user).add(service);
    this.grants.get(user)?.delete(service);
  }

  mayInvoke(user: string, service: string): boolean {
    const denied = this.denials.get(user);
    if (denied?.has(service) || denied?.has('*')) return false;
    const granted = this.grants.get(user);
    return user === ADMINISTRATOR || granted?.has(service) === true || granted?.has('*') === true;
  }

  /**
   * Whether `user` may list the ApplicationKeys collection (design-time Read in ThingWorx): the
   * Administrator unless denied '*', and any user granted '*'.
   */
  mayListKeys(user: string): boolean {
    if (this.denials.get(user)?.has('*')) return false;
    return user === ADMINISTRATOR || this.grants.get(user)?.has('*') === true;
  }

  list(): ApplicationKeyInfo[] {
    const nowMs = this.clock.nowMs();
    return [...this.byName.values()].map((key) => ({
      name: key.name,
      user: key.user,
      createdAtMs: key.createdAtMs,
      expiresAtMs: key.expiresAtMs,
      revoked: key.revoked,
      expired: nowMs >= key.expiresAtMs,
      ipWhitelist: [...key.ipWhitelist],
    }));
  }

  authenticate(keyId: string | undefined, remoteAddress: string | undefined): AuthResult {
    if (!keyId) return { ok: false, reason: 'missing' };
    const key = this.findByKeyId(keyId);
    if (!key) return { ok: false, reason: 'unknown' };
    if (key.revoked) return { ok: false, reason: 'revoked' };
    if (this.clock.nowMs() >= key.expiresAtMs) return { ok: false, reason: 'expired' };
    if (key.ipWhitelist.length > 0 && !key.ipWhitelist.includes(normaliseAddress(remoteAddress))) {
      return { ok: false, reason: 'ip-not-allowed' };
    }
    if (key.user === null) return { ok: false, reason: 'no-user' };
    return { ok: true, name: key.name, user: key.user };
  }

  private require(name: string): StoredKey {
    const key = this.byName.get(name);
    if (!key) throw new Error(`no application key named ${name}`);
    return key;
  }

  private findByKeyId(keyId: string): StoredKey | undefined {
    for (const key of this.byName.values()) if (key.keyId === keyId) return key;
    return undefined;
  }

  private freshKeyId(): string {
    for (;;) {
      const keyId = this.prng.uuid();
      if (!this.findByKeyId(keyId)) return keyId;
    }
  }
}

function setOf(map: Map<string, Set<string>>, user: string): Set<string> {
  let set = map.get(user);
  if (!set) {
    set = new Set();
    map.set(user, set);
  }
  return set;
}

function normaliseAddress(address: string | undefined): string {
  return address?.startsWith('::ffff:') ? address.slice('::ffff:'.length) : (address ?? '');
}
