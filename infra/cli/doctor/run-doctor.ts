// Runs doctor's checks in the order and writes each line as it is known. A finding that makes the
// later checks meaningless (no connection; a proxy or cache answering instead of ThingWorx; a key or
// permission refused) turns them into `skip` lines that say why, so the first FAIL is the thing to fix.
import { checkCache } from './cache-check.js';
import { checkClock } from './clock-check.js';
import type { DoctorContext } from './context.js';
import { checkKey, skipped } from './key-check.js';
import { checkNetwork } from './network-check.js';
import { checkPermission } from './permission-check.js';
import { checkProxy } from './proxy-check.js';
import type { CheckResult, DoctorFamily, ReportWriter } from './report.js';
import { probeStream } from './service-probes.js';
import { streamChecks } from './stream-check.js';
import { readStream } from './stream-read.js';
import { throughputCheck } from './throughput-check.js';

/** The window the stream check reads: "the last day" of the issue. */
const STREAM_WINDOW_MS = 24 * 3_600_000;
/** Pages of the last day the pager reads at most (at the default page size, 100,000 entries). */
const STREAM_MAX_PAGES = 200;

export async function runDoctor(
  ctx: DoctorContext,
  report: ReportWriter,
  progress: { show(text: string): void; clear(): void },
): Promise<void> {
  const { families } = ctx.settings;
  const write = (results: readonly CheckResult[]) => {
    progress.clear();
    for (const result of results) report.check(result);
  };
  const skipFamily = (family: DoctorFamily, why: string) => write([skipped(family, why)]);
  const step = (text: string) => progress.show(text);

  step('network: DNS, connect, TLS, HTTP');
  const network = await checkNetwork(ctx);
  write(network.results);
  if (!network.reachable) {
    for (const family of ['proxy', 'cache', 'key', 'permission', 'clock', 'stream', 'throughput'] as const) {
      skipFamily(family, 'the server cannot be reached (see network)');
    }
    return;
  }

  step('proxy: what answers in front of ThingWorx');
  const keyed = await probeStream(ctx);
  const proxy = checkProxy(ctx, network, keyed);
  if (families.has('proxy')) write([proxy.result]);
  const realProbes = [keyed];
  let blockedBy = proxy.blocked ? 'a proxy or gateway answers instead of ThingWorx (see proxy)' : undefined;

  if (blockedBy) {
    if (families.has('cache')) skipFamily('cache', blockedBy);
  } else if (families.has('cache')) {
    step('cache: the same request with the real key and a made-up one');
    const cache = await checkCache(ctx);
    write(cache.results);
    realProbes.push(...cache.realProbes);
    if (cache.blocked) blockedBy = 'a cache answers instead of ThingWorx (see cache)';
  }

  let authenticated = false;
  let permitted = false;
  if (blockedBy) {
    skipFamily('key', blockedBy);
    skipFamily('permission', blockedBy);
  } else if (families.has('key') || families.has('permission') || families.has('stream')) {
    step('key: accepted, refused, expiry');
    const key = await checkKey(ctx, realProbes);
    if (families.has('key')) write(key.results);
    authenticated = key.authenticated;
    const permission = checkPermission(ctx, key.first, key.probes);
    if (families.has('permission')) write(permission);
    permitted = authenticated && permission.every((r) => r.status === 'ok');
  }

  let offsetMs = 0;
  if (families.has('clock')) {
    const clock = await checkClock(ctx, step);
    write(clock.results);
    offsetMs = clock.offsetMs ?? 0;
  }

  const unread =
    blockedBy ?? (permitted ? undefined : 'the key may not read the stream (see key and permission)');
  if (!families.has('stream') && !families.has('throughput')) return;
  if (unread) {
    if (families.has('stream')) skipFamily('stream', unread);
    if (families.has('throughput')) skipFamily('throughput', unread);
    return;
  }
  step("stream: reading the last day with the sync's pager");
  const read = await readStream(ctx.client, {
    thing: ctx.settings.thing,
    service: ctx.settings.service,
    shape: { timestampField: ctx.settings.timestampField, keyFields: ctx.settings.keyFields },
    pageSize: ctx.settings.pageSize,
    serverNowMs: Date.now() + offsetMs,
    windowMs: STREAM_WINDOW_MS,
    maxPages: STREAM_MAX_PAGES,
    progress: step,
  });
  if (families.has('stream')) write(streamChecks(read, { pageSize: ctx.settings.pageSize }));
  if (families.has('throughput')) write([throughputCheck(read)]);
}
