// Check 7, stream semantics: turns what stream-read.ts learnt into verdicts on whether a sync can have
// gaps, and names the known back-end profile (the simulator's, backend-profile.ts) the answers match.
// Behaviours the sync adapts to (an exclusive bound, newest first, a cap) are reported, not failed; what
// no pager can read without gaps fails with the sync's own cause.
import {
  type BackendOptions,
  describeBackend,
  resolveBackend,
} from '../../local/thingworx-simulator/backend-profile.js';
import type { CheckResult } from './report.js';
import type { StreamRead } from './stream-read.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function streamChecks(read: StreamRead, settings: { readonly pageSize: number }): CheckResult[] {
  const results: CheckResult[] = [fieldsCheck(read)];
  if (read.pagerFailure) {
    results.push({
      id: 'stream.read',
      status: 'FAIL',
      cause: read.pagerFailure.reason,
      evidence: `the sync's pager cannot read the last day: ${read.pagerFailure.message}`,
      action: 'see README "What syncwarden assumes about the server" for this cause',
    });
  }
  results.push(boundsCheck(read), orderCheck(read), capCheck(read, settings.pageSize), groupsCheck(read));
  results.push(profileCheck(read, results));
  return results;
}

function fieldsCheck(read: StreamRead): CheckResult {
  if (read.sampleRows === 0) {
    return { id: 'stream.fields', status: 'WARN', evidence: 'the stream holds no entries: nothing to check' };
  }
  const missing = Object.entries(read.missingFields);
  if (missing.length > 0 || read.rowProblem) {
    return {
      id: 'stream.fields',
      status: 'FAIL',
      cause: 'bad-source-row',
      evidence:
        `of the ${read.sampleRows} newest rows, ${missing.map(([field, n]) => `${n} lack "${field}"`).join(', ') || 'some cannot be placed'}` +
        (read.rowProblem ? ` (${read.rowProblem})` : ''),
      action:
        'set the timestamp and key fields (--timestamp-field/--key-fields; sync.timestampField/keyFields) to fields every row carries',
    };
  }
  return {
    id: 'stream.fields',
    status: 'ok',
    evidence: `the ${read.sampleRows} newest rows all carry the timestamp and key fields`,
  };
}

function boundsCheck(read: StreamRead): CheckResult {
  if (!read.bounds) {
    return { id: 'stream.bounds', status: 'skip', evidence: 'not asked: no entry in the last day to aim at' };
  }
  const { startInclusive, endInclusive, aimedAtMs } = read.bounds;
  const word = (inclusive: boolean) => (inclusive ? 'inclusive' : 'exclusive');
  return {
    id: 'stream.bounds',
    status: 'ok',
    evidence:
      `startDate ${word(startInclusive)}, endDate ${word(endInclusive)} (asked 1 ms either side of the entries at ${iso(aimedAtMs)}); ` +
      'the sync asks 1 ms wider and filters, so either way holds',
    details: { startInclusive, endInclusive },
  };
}

function orderCheck(read: StreamRead): CheckResult {
  const seen = read.observed?.order;
  if (read.cutKeepsNewest) {
    // A custom service over the default newest-first query (the simulator's cutKeepsNewest); the pager adapts.
    return {
      id: 'stream.order',
      status: 'WARN',
      cause: 'cut-keeps-newest',
      evidence:
        'answers come oldest first, but a cut at maxItems keeps the newest rows of the window: older rows exist before its first',
      action:
        'nothing is lost (the sync checks every answer that may be cut for rows before it, and reads bounded windows), but it costs more requests; a custom service that queries newest first and sorts its result does this',
    };
  }
  if (seen === 'newest first' || read.smallAnswerOrder === 'descending') {
    return {
      id: 'stream.order',
      status: 'WARN',
      evidence: 'oldestFirst is ignored: answers come newest first',
      action:
        'nothing is lost (the sync reads bounded windows), but it costs about 5 requests per 1,000 records instead of 1.1; find what drops oldestFirst',
    };
  }
  if (seen === 'unordered' || read.smallAnswerOrder === 'unordered') {
    return {
      id: 'stream.order',
      status: 'WARN',
      evidence: 'answers come in no stable order',
      action: 'nothing is lost (the sync reads bounded windows), but it costs more requests',
    };
  }
  if (seen === 'oldest first' || read.smallAnswerOrder === 'ascending') {
    return {
      id: 'stream.order',
      status: 'ok',
      evidence: 'oldestFirst is honoured: answers come oldest first',
    };
  }
  return { id: 'stream.order', status: 'skip', evidence: 'not seen: no answer held two timestamps' };
}

function capCheck(read: StreamRead, pageSize: number): CheckResult {
  const cap = read.observed?.maxItemsCap;
  const largest = read.observed?.largestAnswer ?? 0;
  if (cap !== undefined) {
    return {
      id: 'stream.cap',
      status: cap < pageSize ? 'WARN' : 'ok',
      evidence: `the server returns at most ${cap} rows per answer whatever maxItems asks (proven: a window held more)`,
      ...(cap < pageSize
        ? {
            action: `nothing is lost (the sync pages by ${cap}), but each run needs ${Math.ceil(pageSize / cap)}× the requests; raise the cap, or set sync.pageSize to ${cap}`,
          }
        : {}),
      details: { maxItemsCap: cap },
    };
  }
  return {
    id: 'stream.cap',
    status: 'ok',
    evidence: `no cap seen: the largest answer held ${largest} rows (the sync asks ${pageSize})`,
    details: { largestAnswer: largest },
  };
}

function groupsCheck(read: StreamRead): CheckResult {
  const scope = read.truncated
    ? `the first ${read.records} entries of the last day (from ${iso(read.windowStartMs)})`
    : `the last day (${read.records} entries)`;
  if (!read.largestGroup) return { id: 'stream.groups', status: 'skip', evidence: `no entries in ${scope}` };
  const { size, timestampMs } = read.largestGroup;
  const cap = read.observed?.maxItemsCap;
  if (cap !== undefined && size >= cap) {
    return {
      id: 'stream.groups',
      status: 'FAIL',
      cause: 'source-group-exceeds-server-limit',
      evidence: `${size} entries share ${iso(timestampMs)}, at least the server's cap of ${cap} rows: no date query can read them all`,
      action: "raise the server's (or gateway's) limit above the largest number of entries on one timestamp",
    };
  }
  return {
    id: 'stream.groups',
    status: 'ok',
    evidence: `largest group of equal timestamps in ${scope}: ${size} entries at ${iso(timestampMs)}`,
    details: { largestGroup: size },
  };
}

/** The known profile the answers match, as `--backend` spells it, and whether the sync's assumptions hold. */
function profileCheck(read: StreamRead, results: readonly CheckResult[]): CheckResult {
  const failed = results.filter((r) => r.status === 'FAIL' && r.id !== 'stream.fields');
  const options: Record<string, unknown> = {};
  const spec: string[] = [];
  if (read.bounds) {
    options.profile = read.bounds.endInclusive ? 'postgres' : 'dse';
    spec.push(options.profile as string);
    if (!read.bounds.startInclusive) {
      options.startExclusive = true;
      spec.push('startExclusive');
    }
  }
  if (read.observed?.order === 'newest first') {
    options.ignoreOldestFirst = true;
    spec.push('ignoreOldestFirst');
  }
  if (read.cutKeepsNewest) {
    options.cutKeepsNewest = true;
    spec.push('cutKeepsNewest');
  }
  if (read.observed?.maxItemsCap !== undefined) {
    options.maxItemsCap = read.observed.maxItemsCap;
    spec.push(`maxItemsCap=${read.observed.maxItemsCap}`);
  }
  if (read.pagerFailure?.reason === 'duplicate-record-key') {
    options.upsert = false;
    spec.push('upsert=false');
  }
  const matched = read.bounds
    ? `${describeBackend(resolveBackend(options as BackendOptions))} (--backend ${spec.join(',')})`
    : `no profile (no entries to tell the bounds by)${read.cutKeepsNewest ? ', cuts keep the newest rows' : ''}`;
  if (failed.length > 0) {
    return {
      id: 'stream.profile',
      status: 'FAIL',
      evidence: `answers match ${matched}: the sync's assumptions do not hold (${failed.map((r) => r.cause ?? r.id).join(', ')})`,
      action:
        'fix what the lines above name before deploying: a run against this server would fail or could skip records',
    };
  }
  return {
    id: 'stream.profile',
    status: 'ok',
    evidence: `answers match ${matched}; the sync's assumptions hold`,
    details: { backend: spec.join(',') },
  };
}
