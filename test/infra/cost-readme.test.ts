// The README's CloudWatch cost table against a fresh bench:cost computation: a change to the alarms, the
// dashboard, the metric calls or the prices that is not regenerated into the README fails here. One synth
// per job count, bundling and cdk-nag off. 100 jobs are synthesized only when the line through 1 and 10
// says their largest stack fits CloudFormation's 500 resources; otherwise the report extrapolates, as the
// bench does after its own synth is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config/schema.js';
import { emittedMetricKinds, emittedSeries } from '../../infra/cost/emitted-metrics.js';
import { extrapolateTemplateUsage } from '../../infra/cost/estimate.js';
import {
  costReport,
  README_HEADING,
  readmeFigures,
  type Synthesizer,
  synthesizerIn,
} from '../../infra/cost/report.js';
import { configurationWithJobs, type SynthOutcome } from '../../infra/cost/synth-jobs.js';
import { templateUsage } from '../../infra/cost/template-usage.js';
import { readme } from '../support/readme.js';

const STACK_RESOURCE_LIMIT = 500;
const workDir = mkdtempSync(join(tmpdir(), 'syncwarden-cost-readme-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The bench's synthesizer, but 100 jobs only when they could fit. */
function sparingSynthesizer(): Synthesizer {
  const synthesize = synthesizerIn(workDir);
  const done = new Map<number, SynthOutcome>();
  return (jobs) => {
    const [one, ten] = [done.get(1), done.get(10)];
    if (jobs > 10 && one?.synthesized && ten?.synthesized) {
      const usage = (outcome: typeof one) => templateUsage(outcome.templates, emittedSeries(outcome.config));
      const line = extrapolateTemplateUsage(
        { jobs: 1, usage: usage(one) },
        { jobs: 10, usage: usage(ten) },
        jobs,
      );
      if (line.largestStackResources > STACK_RESOURCE_LIMIT) {
        const config = parseConfig(configurationWithJobs(jobs), 'cost README test');
        return { synthesized: false, config, reason: `${line.largestStackResources} resources in one stack` };
      }
    }
    const outcome = synthesize(jobs);
    done.set(jobs, outcome);
    return outcome;
  };
}

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
    const report = costReport(sparingSynthesizer(), emittedMetricKinds());
    const shown = section(readme(), README_HEADING);

    expect(shown).toContain('npm run bench:cost');
    // The generated block, whole: regenerate it with `npm run bench:cost` when this fails.
    expect(shown).toContain(readmeFigures(report));
  });
});
