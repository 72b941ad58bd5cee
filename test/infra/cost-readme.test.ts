// The README's CloudWatch cost table against a fresh bench:cost computation: a change to the alarms, the
// dashboard, the metric calls or the prices that is not regenerated into the README fails here. One synth
// per job count (1, 10 and 100, in job groups), bundling and cdk-nag off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emittedMetricKinds } from '../../infra/cost/emitted-metrics.js';
import { costReport, README_HEADING, readmeFigures, synthesizerIn } from '../../infra/cost/report.js';
import { readme } from '../support/readme.js';

const workDir = mkdtempSync(join(tmpdir(), 'syncwarden-cost-readme-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The README's lines from the heading to the next heading. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const end = lines.findIndex((line, index) => index > start && /^#+ /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

describe('README: CloudWatch at 1, 10 and 100 jobs', () => {
  it('shows what npm run bench:cost computes today', { timeout: 180_000 }, () => {
    const report = costReport(synthesizerIn(workDir), emittedMetricKinds());
    const shown = section(readme(), README_HEADING);

    expect(shown).toContain('npm run bench:cost');
    // The generated block, whole: regenerate it with `npm run bench:cost` when this fails.
    expect(shown).toContain(readmeFigures(report));
  });
});
