// Seeded pseudo-random numbers, so a simulator run (data, key ids, fault rates) repeats exactly
// for a given seed. Not for cryptography.

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped UUID drawn from this generator. */
  uuid(): string;
}

/**
 * mulberry32 over a seed mixed with a salt, so each concern (data, keys, faults) draws from its
 * own stream and adding a key never changes the data a seed produces.
 */
export function createPrng(seed: number, salt = ''): Prng {
  let state = mixSeed(seed, salt);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const hex = (digits: number): string => {
    let out = '';
    for (let i = 0; i < digits; i++) out += int(0, 15).toString(16);
    return out;
  };
  return {
    next,
    int,
    chance: (p) => p > 0 && next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`,
  };
}

function mixSeed(seed: number, salt: string): number {
  let h = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  for (const ch of salt) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
