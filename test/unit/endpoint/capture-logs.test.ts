// The "key never in output" assertions are only as good as the capture: prove it sees every channel.
import { describe, expect, it } from 'vitest';
import { logger } from '../../../functions/shared/powertools.js';
import { captureOutput } from '../../support/capture-logs.js';

describe('output capture used by the key-leak assertions', () => {
  it('sees stdout, stderr, console and Powertools Logger output', () => {
    const output = captureOutput();
    try {
      process.stdout.write('to-stdout\n');
      process.stderr.write('to-stderr\n');
      console.error('to-console', { nested: 'object-value' });
      logger.warn('to-powertools', { marker: 'powertools-marker' });
    } finally {
      output.restore();
    }
    const text = output.text();
    for (const marker of ['to-stdout', 'to-stderr', 'to-console', 'object-value', 'powertools-marker']) {
      expect(text).toContain(marker);
    }
    expect(output.jsonLines().some((line) => line.marker === 'powertools-marker')).toBe(true);
  });
});
