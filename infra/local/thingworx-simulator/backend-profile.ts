// Back-end profiles of the simulated ThingWorx stream: how the persistence provider (PostgreSQL or
// DSE) and anything in front of it bound, order, cap and key a stream query. Sources: index.ts header.

export type BackendProfileName = 'postgres' | 'dse';

/** What a caller may set; every field optional. */
export interface BackendOptions {
  /** @default 'postgres' */
  readonly profile?: BackendProfileName;
  /** startDate is exclusive (timestamp > startDate). @default false */
  readonly startExclusive?: boolean;
  /** The server (or a gateway) ignores oldestFirst and always answers newest first. @default false */
  readonly ignoreOldestFirst?: boolean;
  /**
   * A cut keeps the newest rows of the window, which are then returned in the order asked: a custom
   * service that queries newest first (ThingWorx's default) and sorts its result oldest first. @default false
   */
  readonly cutKeepsNewest?: boolean;
  /** The server returns at most this many rows whatever maxItems asks. @default undefined (no cap) */
  readonly maxItemsCap?: number;
  /** An upserted entry keeps the stored entry's id (true) or gets a new one (false). @default true */
  readonly upsertKeepsId?: boolean;
  /** Adding an entry whose (timestamp, source) is already stored replaces it (true), or is stored beside it with its own id (false). @default true */
  readonly upsert?: boolean;
}

/** Resolved: every field set. endExclusive comes from the profile (dse: true; postgres: false). */
export interface BackendBehaviour {
  readonly profile: BackendProfileName;
  readonly startExclusive: boolean;
  readonly endExclusive: boolean;
  readonly ignoreOldestFirst: boolean;
  readonly cutKeepsNewest: boolean;
  readonly maxItemsCap: number | undefined;
  readonly upsertKeepsId: boolean;
  readonly upsert: boolean;
}

export const BACKEND_PROFILES: readonly BackendProfileName[] = Object.freeze(['postgres', 'dse']);

/** What each profile fixes; the switches of BackendOptions are the same on both. */
const PROFILE_END_EXCLUSIVE: Readonly<Record<BackendProfileName, boolean>> = { postgres: false, dse: true };

const BOOLEAN_SWITCHES = [
  'startExclusive',
  'ignoreOldestFirst',
  'cutKeepsNewest',
  'upsertKeepsId',
  'upsert',
] as const;
type BooleanSwitch = (typeof BOOLEAN_SWITCHES)[number];
const OPTION_FIELDS: readonly string[] = ['profile', ...BOOLEAN_SWITCHES, 'maxItemsCap'];

export function resolveBackend(options: BackendOptions | BackendProfileName = {}): BackendBehaviour {
  const given: BackendOptions = typeof options === 'string' ? { profile: options } : options;
  if (typeof given !== 'object' || given === null) {
    throw new RangeError(`backend must be a profile name or an options object, got ${JSON.stringify(given)}`);
  }
  for (const field of Object.keys(given)) {
    if (!OPTION_FIELDS.includes(field)) {
      throw new RangeError(`unknown backend option ${field}; accepted: ${OPTION_FIELDS.join(', ')}`);
    }
  }
  const profile = given.profile ?? 'postgres';
  if (!BACKEND_PROFILES.includes(profile)) {
    throw new RangeError(
      `backend profile must be one of ${BACKEND_PROFILES.join(', ')}, got ${JSON.stringify(profile)}`,
    );
  }
  const flag = (name: BooleanSwitch, fallback: boolean): boolean => {
    const value: unknown = given[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      throw new RangeError(`backend option ${name} must be a boolean, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const cap: unknown = given.maxItemsCap;
  if (cap !== undefined && !(typeof cap === 'number' && Number.isInteger(cap) && cap >= 1)) {
    throw new RangeError(`backend option maxItemsCap must be an integer >= 1, got ${JSON.stringify(cap)}`);
  }
  return Object.freeze({
    profile,
    startExclusive: flag('startExclusive', false),
    endExclusive: PROFILE_END_EXCLUSIVE[profile],
    ignoreOldestFirst: flag('ignoreOldestFirst', false),
    cutKeepsNewest: flag('cutKeepsNewest', false),
    maxItemsCap: cap as number | undefined,
    upsertKeepsId: flag('upsertKeepsId', true),
    upsert: flag('upsert', true),
  });
}

const SPEC_HELP =
  `accepted: a profile (${BACKEND_PROFILES.join(' | ')}, or profile=<name>), ` +
  `${BOOLEAN_SWITCHES.join(', ')} (bare for true, or =true / =false), maxItemsCap=<integer >= 1>, ` +
  `separated by commas`;

/**
 * For the command line: "dse", "postgres,startExclusive,ignoreOldestFirst,maxItemsCap=200,upsertKeepsId=false,upsert=false";
 * booleans may be bare (true) or =true/=false. Names are matched without regard to case. Throws an
 * Error naming the bad part and listing what is accepted.
 */
export function parseBackendSpec(spec: string): BackendOptions {
  const fail = (why: string): never => {
    throw new Error(`backend spec ${JSON.stringify(spec)}: ${why}; ${SPEC_HELP}`);
  };
  if (spec.trim() === '') fail('it is empty');
  const options: Record<string, unknown> = {};
  const set = (field: string, value: unknown, part: string) => {
    if (field in options) fail(`${field} is given twice (at "${part}")`);
    options[field] = value;
  };
  for (const rawPart of spec.split(',')) {
    const part = rawPart.trim();
    if (part === '') fail('it has an empty part');
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.length === 0 ? undefined : rest.join('=').trim();
    const profile = BACKEND_PROFILES.find((p) => p === (name === 'profile' ? value?.toLowerCase() : name));
    if (name === 'profile' || (profile && value === undefined)) {
      if (!profile) fail(`unknown profile in "${part}"`);
      set('profile', profile, part);
      continue;
    }
    const flag = BOOLEAN_SWITCHES.find((s) => s.toLowerCase() === name);
    if (flag) {
      const lowered = value?.toLowerCase();
      if (lowered !== undefined && lowered !== 'true' && lowered !== 'false') {
        fail(`"${part}" needs true or false`);
      }
      set(flag, lowered !== 'false', part);
      continue;
    }
    if (name === 'maxitemscap') {
      const cap = value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(cap >= 1)) fail(`"${part}" needs an integer >= 1`);
      set('maxItemsCap', cap, part);
      continue;
    }
    fail(`unknown part "${part}"`);
  }
  return options as BackendOptions;
}

/** One line, e.g. "dse (end exclusive), maxItemsCap 200"; only departures from the defaults follow the bounds. */
export function describeBackend(b: BackendBehaviour): string {
  const bounds =
    b.startExclusive && b.endExclusive
      ? 'both bounds exclusive'
      : b.startExclusive
        ? 'start exclusive'
        : b.endExclusive
          ? 'end exclusive'
          : 'both bounds inclusive';
  const departures = [
    b.ignoreOldestFirst ? 'ignores oldestFirst (newest first)' : undefined,
    b.cutKeepsNewest ? 'cuts keep the newest rows' : undefined,
    b.maxItemsCap === undefined ? undefined : `maxItemsCap ${b.maxItemsCap}`,
    !b.upsert ? 'no upserts (same timestamp and source stored beside)' : undefined,
    b.upsert && !b.upsertKeepsId ? 'upserts get a new id' : undefined,
  ].filter((part) => part !== undefined);
  return [`${b.profile} (${bounds})`, ...departures].join(', ');
}
