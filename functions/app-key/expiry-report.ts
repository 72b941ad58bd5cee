// What a run knows about when its app key expires, and what it publishes so that the app-key-expiring
// alarm can never be left without data unnoticed: `AppKeyDaysToExpiry` with `AppKeyExpiryUnknown` = 0
// when it knows, `AppKeyExpiryUnknown` = 1 when it cannot know, nothing when it did not look.
//
// Where the expiry comes from, first that applies:
//   1. the secret's `expiresAt` (what a rotation writes; free, and the only source of a skipped run);
//   2. no key name (neither the secret's `keyName` nor the job's APP_KEY_NAME): the server cannot be
//      asked → unknown;
//   3. a skipped run (lock held) → this container's last server answer for the same key version, else
//      nothing. It does not ask the server: the run holding the lock is asking it at the same moment, and
//      a guess of "unknown" would contradict that run's answer in the same alarm period;
//   4. the server's answer to the key's own GetExpirationDate (server-expiry.ts): a date is known; a
//      refusal (the key's user may not call it) or no such key is unknown; a lookup that failed (network,
//      5xx, deadline) says nothing about the key → the last server answer, else nothing.
// Each reason for "unknown" or for a failed lookup is logged once per container and key version: the
// metric repeats it every run, the log line need not.
import type { Clock } from '../shared/clock.js';
import type { LogSink, MetricsSink } from '../shared/observability.js';
import { daysToExpiry } from './key-expiry.js';
import type { AppKey } from './key-source.js';
import type { ServerExpiryAnswer } from './server-expiry.js';

export type ExpiryFinding =
  | {
      readonly status: 'known';
      readonly expiresAtMs: number;
      readonly from: 'secret' | 'server' | 'last server answer';
    }
  | { readonly status: 'unknown'; readonly why: string }
  /** Nothing is published: the run did not look, or the lookup failed without a last answer to fall back on. */
  | { readonly status: 'unpublished'; readonly why: string; readonly lookupFailed?: true };

/** A server answer kept for the key version it was about. */
export interface RememberedExpiry {
  readonly versionId: string;
  readonly keyName: string;
  readonly expiresAtMs: number;
}

const WHAT_TO_DO =
  'add "expiresAt" to the secret, or name the key (the secret\'s "keyName", or the job\'s endpoint.keyName) ' +
  'and let its user call its own GetExpirationDate';

/** The decision alone, pure: `server` is 'not asked' on a skipped run or when the secret answers. */
export function findExpiry(
  key: AppKey,
  server: ServerExpiryAnswer | 'not asked',
  remembered: RememberedExpiry | undefined,
): ExpiryFinding {
  if (key.expiresAt !== undefined) {
    return { status: 'known', expiresAtMs: key.expiresAt.getTime(), from: 'secret' };
  }
  const { keyName } = key;
  if (keyName === undefined) {
    return {
      status: 'unknown',
      why: `neither the secret nor the configuration names the key and the secret gives no "expiresAt", so the server cannot be asked: ${WHAT_TO_DO}`,
    };
  }
  const last =
    remembered?.versionId === key.versionId && remembered.keyName === keyName
      ? ({ status: 'known', expiresAtMs: remembered.expiresAtMs, from: 'last server answer' } as const)
      : undefined;
  if (server === 'not asked') {
    return last ?? { status: 'unpublished', why: 'a skipped run does not ask the server' };
  }
  switch (server.kind) {
    case 'expires':
      return { status: 'known', expiresAtMs: server.expiresAtMs, from: 'server' };
    case 'refused':
      return {
        status: 'unknown',
        why:
          `ThingWorx refused GetExpirationDate of application key ${keyName} (HTTP ${server.status}): the key's ` +
          `user may not call it${server.status === 403 ? ', or the server has no key of that name' : ''}; ${WHAT_TO_DO}`,
      };
    case 'not-found':
      return {
        status: 'unknown',
        why: `ThingWorx has no application key named ${keyName} (the secret's "keyName"): correct it, or ${WHAT_TO_DO}`,
      };
    case 'no-date':
      return {
        status: 'unknown',
        why: `GetExpirationDate of application key ${keyName} answered no date; ${WHAT_TO_DO}`,
      };
    case 'failed':
      return (
        last ?? {
          status: 'unpublished',
          why: `GetExpirationDate of ${keyName} failed: ${server.message}`,
          lookupFailed: true,
        }
      );
  }
}

export interface KeyExpiryReporterDeps {
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly logger: LogSink;
}

/** One per container: publishes each run's finding, remembers the server's last answer, logs each reason once. */
export class KeyExpiryReporter {
  private remembered: RememberedExpiry | undefined;
  private readonly logged = new Set<string>();

  constructor(private readonly deps: KeyExpiryReporterDeps) {}

  /** A run that holds the lock: asks the server (through `ask`) only when the secret does not say. */
  async reportForRun(
    key: AppKey,
    ask: (keyName: string) => Promise<ServerExpiryAnswer>,
  ): Promise<ExpiryFinding> {
    const asks = key.expiresAt === undefined && key.keyName !== undefined;
    const answer = asks ? await ask(key.keyName as string) : 'not asked';
    const finding = findExpiry(key, answer, this.remembered);
    if (finding.status === 'known' && finding.from === 'server') {
      this.remembered = {
        versionId: key.versionId,
        keyName: key.keyName as string,
        expiresAtMs: finding.expiresAtMs,
      };
    }
    return this.publish(key, finding);
  }

  /** A skipped run: no server call, only what the secret or this container's last server answer says. */
  reportForSkippedRun(key: AppKey): ExpiryFinding {
    return this.publish(key, findExpiry(key, 'not asked', this.remembered));
  }

  private publish(key: AppKey, finding: ExpiryFinding): ExpiryFinding {
    const { metrics, clock } = this.deps;
    if (finding.status === 'known') {
      const days = daysToExpiry(
        { ...key, expiresAt: new Date(finding.expiresAtMs) },
        clock.nowMs(),
      ) as number;
      metrics.addMetric('AppKeyDaysToExpiry', 'None', Math.round(days * 100) / 100);
      metrics.addMetric('AppKeyExpiryUnknown', 'Count', 0);
    } else if (finding.status === 'unknown') {
      metrics.addMetric('AppKeyExpiryUnknown', 'Count', 1);
      this.logOnce(key, 'The app key expiry is unknown (AppKeyExpiryUnknown = 1)', finding.why);
    } else if (finding.lookupFailed) {
      this.logOnce(
        key,
        'Could not ask ThingWorx when the app key expires; nothing published this run',
        finding.why,
      );
    }
    return finding;
  }

  private logOnce(key: AppKey, message: string, why: string): void {
    const id = `${key.versionId}\n${why}`;
    if (this.logged.has(id)) return;
    this.logged.add(id);
    this.deps.logger.warn(message, {
      why,
      versionId: key.versionId,
      ...(key.keyName ? { keyName: key.keyName } : {}),
    });
  }
}
