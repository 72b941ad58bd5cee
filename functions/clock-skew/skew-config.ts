// The skew monitor's configuration, read and validated once at cold start: which targets to measure
// (SKEW_TARGETS), which pairs to compare (SKEW_PAIRS) and where to keep the last measurements.
import { assertSecureUrl } from '../endpoint/http-request.js';
import { readTransportConfig, type TransportConfig } from '../endpoint/proxy-config.js';
import { type Env, EnvReader } from '../shared/env.js';
import { InvalidInputError } from '../shared/errors.js';
import type { SkewTarget } from './measure.js';

export interface SkewMonitorConfig {
  readonly controlTable: string;
  readonly targets: readonly SkewTarget[];
  /** Pairs of configured target names whose clocks must agree (e.g. the token issuer and the validator). */
  readonly pairs: readonly (readonly [string, string])[];
  readonly requestTimeoutMs: number;
  /** Extra requests that catch a pool of servers less than a second apart (see MeasureOptions). */
  readonly consistencyChecks: number;
  /**
   * The endpoint's forward proxy (ENDPOINT_PROXY_URL, NO_PROXY) and extra CAs (ENDPOINT_CA_FILE,
   * ENDPOINT_CA_PEM), as the sync reads them: a target behind the same proxy is measured through it.
   */
  readonly transport: TransportConfig;
}

export const DEFAULT_TOLERANCE_MS = 5000;
const TARGET_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const TARGETS_SHAPE =
  'a JSON array like [{"name": "thingworx", "url": "https://tw.example.com/Thingworx/", "toleranceMs": 5000}]';

export function loadSkewConfig(env: Env): SkewMonitorConfig {
  const reader = new EnvReader(env);
  const controlTable = reader.string('CONTROL_TABLE_NAME');
  const targets = parseTargets(reader.string('SKEW_TARGETS'));
  const pairs = parsePairs(reader.optionalString('SKEW_PAIRS'), targets);
  const requestTimeoutMs = reader.integer('SKEW_REQUEST_TIMEOUT_MS', {
    default: 3000,
    min: 100,
    max: 30_000,
  });
  const consistencyChecks = reader.integer('SKEW_CONSISTENCY_CHECKS', { default: 0, min: 0, max: 2 });
  const transport = readTransportConfig(reader);
  return Object.freeze({
    controlTable,
    targets: Object.freeze(targets),
    pairs: Object.freeze(pairs),
    requestTimeoutMs,
    consistencyChecks,
    transport: Object.freeze(transport),
  });
}

function parseJson(variable: string, raw: string, shape: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidInputError(variable, `${shape} (not valid JSON)`);
  }
}

export function parseTargets(raw: string): SkewTarget[] {
  const parsed = parseJson('SKEW_TARGETS', raw, TARGETS_SHAPE);
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new InvalidInputError('SKEW_TARGETS', `${TARGETS_SHAPE} with at least one target`);
  }
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    const field = (name: string) => `SKEW_TARGETS[${index}].${name}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidInputError(`SKEW_TARGETS[${index}]`, 'an object {name, url, toleranceMs?}');
    }
    const { name, url, toleranceMs } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !TARGET_NAME.test(name)) {
      throw new InvalidInputError(
        field('name'),
        '1-64 letters, digits, ".", "_" or "-"',
        JSON.stringify(name),
      );
    }
    if (seen.has(name))
      throw new InvalidInputError(field('name'), 'a name no other target has', JSON.stringify(name));
    seen.add(name);
    const parsedUrl = parseUrl(url, field('url'));
    if (
      toleranceMs !== undefined &&
      (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs <= 0)
    ) {
      throw new InvalidInputError(
        field('toleranceMs'),
        'a positive number of milliseconds',
        JSON.stringify(toleranceMs),
      );
    }
    return Object.freeze({ name, url: parsedUrl, toleranceMs: toleranceMs ?? DEFAULT_TOLERANCE_MS });
  });
}

function parseUrl(value: unknown, field: string): URL {
  const expected = 'an absolute HTTPS URL (HTTP only for a loopback host), without credentials';
  if (typeof value !== 'string') throw new InvalidInputError(field, expected, JSON.stringify(value));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(field, expected, JSON.stringify(value));
  }
  try {
    assertSecureUrl(url);
  } catch (error) {
    // Not the URL itself: it may carry credentials, and this message ends up in logs.
    throw new InvalidInputError(
      field,
      expected,
      `${url.protocol}//${url.hostname} (${(error as Error).message})`,
    );
  }
  return url;
}

export function parsePairs(
  raw: string | undefined,
  targets: readonly SkewTarget[],
): Array<readonly [string, string]> {
  if (raw === undefined) return [];
  const shape = 'a JSON array of pairs of target names, like [["auth", "thingworx"]]';
  const parsed = parseJson('SKEW_PAIRS', raw, shape);
  if (!Array.isArray(parsed)) throw new InvalidInputError('SKEW_PAIRS', shape);
  const names = new Set(targets.map((target) => target.name));
  return parsed.map((pair: unknown, index) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new InvalidInputError(`SKEW_PAIRS[${index}]`, 'a pair of two target names', JSON.stringify(pair));
    }
    for (const [position, name] of pair.entries()) {
      if (typeof name !== 'string' || !names.has(name)) {
        throw new InvalidInputError(
          `SKEW_PAIRS[${index}][${position}]`,
          `the name of a target in SKEW_TARGETS (${[...names].join(', ')})`,
          JSON.stringify(name),
        );
      }
    }
    if (pair[0] === pair[1]) {
      throw new InvalidInputError(`SKEW_PAIRS[${index}]`, 'two different targets', JSON.stringify(pair));
    }
    return Object.freeze([pair[0], pair[1]] as const);
  });
}
