// The sources generated entries come from: the configured machine names, then as many synthesized
// sensor names as a crowded timestamp needs, so that no two entries of a timestamp share a source.
import type { Prng } from './prng.js';

export const DEFAULT_SOURCES: readonly string[] = ['Press-01', 'Press-02', 'Oven-A', 'Conveyor-7'];

/**
 * Position i of the pool is the i-th configured source, or past their end `Sensor-NNNN` numbered
 * from 1 across the whole pool (with four configured sources the fifth is `Sensor-0005`), so the
 * names are the same for every seed and every run.
 */
export class SourcePool {
  private readonly configured: readonly string[];
  /** Per taken-set, the pool position below which every synthesized name is taken. A set only ever
   *  grows while a caller picks from it, so the scan resumes there and a crowd costs linear time. */
  private readonly scannedUpTo = new WeakMap<ReadonlySet<string>, number>();

  constructor(sources: readonly string[] | undefined) {
    this.configured = sources && sources.length > 0 ? [...new Set(sources)] : DEFAULT_SOURCES;
  }

  nameAt(position: number): string {
    return this.configured[position] ?? `Sensor-${String(position + 1).padStart(4, '0')}`;
  }

  /** The pool position of a name (its place for location and line), 0 for names from elsewhere. */
  positionOf(name: string): number {
    const configured = this.configured.indexOf(name);
    if (configured >= 0) return configured;
    const synthesized = /^Sensor-(\d{4,})$/.exec(name);
    const position = synthesized ? Number(synthesized[1]) - 1 : -1;
    return position >= this.configured.length && this.nameAt(position) === name ? position : 0;
  }

  /**
   * A source not in `taken`: a seeded pick among the free configured sources, or when all of them
   * are taken the first free synthesized name (crowds grow Sensor-0005, Sensor-0006, ... in order).
   */
  pickFree(taken: ReadonlySet<string>, prng: Prng): string {
    const free = this.configured.filter((name) => !taken.has(name));
    if (free.length > 0) return prng.pick(free);
    for (let position = this.scannedUpTo.get(taken) ?? this.configured.length; ; position++) {
      const name = this.nameAt(position);
      if (!taken.has(name)) {
        this.scannedUpTo.set(taken, position);
        return name;
      }
    }
  }
}
