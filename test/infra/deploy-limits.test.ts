// Issue 14, item 6: a configuration over a CloudFormation limit fails synth with one sentence naming the
// limit, the count and the remedy, never with CDK's stack trace. The group limit is proven through the CDK
// entry point as `cdk synth` runs it; the per-template limits on small real apps built to cross each one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, CfnParameter, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConstructCounts, checkTemplates, DeployLimitError } from '../../infra/aws/deploy-limits.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import { createSyncWardenApp } from '../../infra/aws/synth.js';
import { MAX_JOBS_PER_GROUP } from '../../infra/config/job-groups.js';
import { exampleConfig } from './fixture.js';

type Json = Record<string, unknown>;

/** One sentence: one line, a capital first, a full stop last, the figures in it, and a remedy after ": ". */
function expectSentence(message: string, figures: { count: string; limit: string; remedy: RegExp }): void {
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(message).toMatch(/^[A-Z].*\.$/);
  expect(message).toContain(figures.count);
  expect(message).toContain(`limit of ${figures.limit}`);
  expect(message.slice(message.indexOf(': '))).toMatch(figures.remedy);
}

const exampleJob = (exampleConfig().jobs as Json[])[0] as Json;
/** One more job than a group holds, all pinned to group 3. */
const overfullGroup = () => ({
  ...exampleConfig(),
  jobs: Array.from({ length: MAX_JOBS_PER_GROUP + 1 }, (_, i) => ({
    ...exampleJob,
    name: `job-${i}`,
    group: 3,
  })),
});

const workDir = mkdtempSync(join(tmpdir(), 'syncwarden-limits-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('too many jobs in one group', () => {
  it('is refused before CDK synthesizes, naming the group, its jobs, the limit and the remedy', () => {
    const attempt = () =>
      createSyncWardenApp({ context: { syncwarden: overfullGroup(), 'aws:cdk:bundling-stacks': [] } });
    expect(attempt).toThrow(DeployLimitError);
    try {
      attempt();
    } catch (error) {
      expectSentence((error as Error).message, {
        count: `Jobs03 would hold ${MAX_JOBS_PER_GROUP + 1} jobs (job-0, job-1`,
        limit: `${MAX_JOBS_PER_GROUP} jobs per group`,
        // Group 3 holds them all: every other group is empty, and the lowest-numbered are proposed.
        remedy:
          /pin one of them .*"group" field, such as 0 \(0 jobs\), 1 \(0 jobs\), 2 \(0 jobs\) .*or split the jobs over two deployments/,
      });
    }
  });

  it('prints only that sentence from the CDK app, with exit code 1 and no stack trace', () => {
    const result = spawnSync(join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'), ['infra/app.ts'], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ syncwarden: overfullGroup() }),
        CDK_OUTDIR: join(workDir, 'cdk.out'),
      },
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expectSentence(lines[0] ?? '', {
      count: `would hold ${MAX_JOBS_PER_GROUP + 1} jobs`,
      limit: `${MAX_JOBS_PER_GROUP} jobs per group`,
      remedy: /"group" field/,
    });
  });
});

describe('the construct tree, before CDK synthesizes', () => {
  it("refuses a nested stack of more than 500 resources, before CDK's own TooManyResourcesInStack", () => {
    const app = new App({ outdir: join(workDir, 'resources') });
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Crowded');
    for (let i = 0; i < 501; i++) new CfnResource(nested, `Queue${i}`, { type: 'AWS::SQS::Queue' });
    expect(() => checkConstructCounts(app)).toThrow(DeployLimitError);
    try {
      checkConstructCounts(app);
    } catch (error) {
      expectSentence((error as Error).message, {
        count: 'nested stack Crowded would hold 501 resources',
        limit: '500 per stack',
        remedy: /split the jobs over two deployments/,
      });
    }
    // Without the check CDK fails synth itself, with its own error and a stack trace.
    expect(() => app.synth()).toThrow(/TooManyResourcesInStack|greater than allowed maximum of 500/);
  });

  it('refuses more than 200 outputs in a stack', () => {
    const app = new App({ outdir: join(workDir, 'outputs') });
    const stack = new Stack(app, 'Talkative');
    for (let i = 0; i < 201; i++) new CfnOutput(stack, `Output${i}`, { value: `${i}` });
    expect(() => checkConstructCounts(app)).toThrow(
      /^The stack Talkative would declare 201 outputs, over CloudFormation's limit of 200 per template: split/,
    );
  });
});

describe('the synthesized templates', () => {
  it('refuses a template over 1 MB, naming its bytes', () => {
    const app = new App({ outdir: join(workDir, 'bytes') });
    const stack = new Stack(app, 'Bulky');
    new CfnResource(stack, 'Queue', {
      type: 'AWS::SQS::Queue',
      properties: { Tags: [{ Key: 'padding', Value: 'x'.repeat(1_000_100) }] },
    });
    try {
      checkTemplates(app, app.synth());
      expect.unreachable('a template over 1 MB passed');
    } catch (error) {
      expect(error).toBeInstanceOf(DeployLimitError);
      expectSentence((error as Error).message, {
        count: 'The template of the stack Bulky is 1,0',
        limit: '1,000,000 bytes per template',
        remedy: /split the jobs over two deployments/,
      });
    }
  });

  it('refuses more than 200 parameters, in a nested template too', () => {
    const app = new App({ outdir: join(workDir, 'parameters') });
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Curious');
    for (let i = 0; i < 201; i++) new CfnParameter(nested, `Parameter${i}`, { type: 'String', default: 'x' });
    new CfnResource(nested, 'Queue', { type: 'AWS::SQS::Queue' });
    expect(() => checkTemplates(app, app.synth())).toThrow(
      /^The template of the nested stack Curious declares 201 parameters, over CloudFormation's limit of 200 parameters per template: .*\.$/,
    );
  });

  it('passes the example configuration', () => {
    const { app } = createSyncWardenApp({
      context: { syncwarden: exampleConfig(), 'aws:cdk:bundling-stacks': [] },
      outdir: join(workDir, 'example'),
      builtinCloudFormationValidation: false,
    });
    expect(() => checkTemplates(app, app.synth())).not.toThrow();
  });
});
