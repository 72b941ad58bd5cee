import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../functions/shared/concurrency.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('ConcurrencyLimiter', () => {
  it('bounds tasks from overlapping callers together and starts them in the order asked', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const task = (name: string) => async () => {
      started.push(name);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      return name;
    };
    const callerA = Promise.all(['a1', 'a2', 'a3', 'a4'].map((n) => limiter.run(task(n))));
    const callerB = Promise.all(['b1', 'b2', 'b3'].map((n) => limiter.run(task(n))));

    expect(await callerA).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(await callerB).toEqual(['b1', 'b2', 'b3']);
    expect(most).toBe(3);
    expect(started).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
  });

  it('hands the slot of a task that throws to the next one waiting, and frees it after', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const failing = limiter.run(async () => {
      await tick();
      throw new Error('boom');
    });
    const waiting = limiter.run(async () => 'next');

    await expect(failing).rejects.toThrow('boom');
    expect(await waiting).toBe('next');
    expect(await limiter.run(async () => 'after')).toBe('after');
  });

  it('rejects a limit that is not a whole number of at least 1, saying what it expected', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/at least 1, got 0/);
    expect(() => new ConcurrencyLimiter(1.5)).toThrow(/whole number/);
  });
});
