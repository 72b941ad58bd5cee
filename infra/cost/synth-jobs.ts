// Synthesizes the app for N jobs the way `npm run synth` would: the configuration cdk.json names, its
// first job repeated N times (`<name>-1` … `<name>-N`, each with the example's rotation), written to a
// temporary directory and passed through the `syncwarden:configFile` context. Bundling and cdk-nag are off
// (neither changes what CloudWatch bills); every stack's template is read back, nested stacks included.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../aws/service-function.js';
import { createSyncWardenApp } from '../aws/synth.js';
import { CONFIG_FILE_CONTEXT_KEY } from '../config/load.js';
import { parseConfig, type SyncWardenConfig } from '../config/schema.js';
import type { CfnTemplate } from './template-usage.js';

type Json = Record<string, unknown>;

/** The configuration file cdk.json points at, as raw JSON. */
export function exampleConfiguration(): Json {
  const cdk = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as { context: Json };
  const file = cdk.context[CONFIG_FILE_CONTEXT_KEY] as string;
  return JSON.parse(readFileSync(join(REPOSITORY_ROOT, file), 'utf8')) as Json;
}

/** The example configuration with its first job repeated `jobs` times; 1 gives the example unchanged. */
export function configurationWithJobs(jobs: number, example: Json = exampleConfiguration()): Json {
  const [job] = example.jobs as Json[];
  if (!job) throw new Error('the example configuration has no job to repeat');
  if (jobs === 1) return example;
  return {
    ...example,
    jobs: Array.from({ length: jobs }, (_, index) => ({ ...job, name: `${job.name}-${index + 1}` })),
  };
}

export type SynthOutcome =
  | { readonly synthesized: true; readonly config: SyncWardenConfig; readonly templates: CfnTemplate[] }
  | { readonly synthesized: false; readonly config: SyncWardenConfig; readonly reason: string };

/**
 * Synthesizes `configuration` in `workDir`. A synth refused over a CloudFormation resource limit (CDK's
 * TooManyResourcesInStack, or a configuration error that names the limit) is an outcome, not a failure:
 * the caller extrapolates. Any other error is thrown.
 */
export function synthesizeConfiguration(configuration: Json, workDir: string, label: string): SynthOutcome {
  const dir = join(workDir, label);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, `${JSON.stringify(configuration, null, 2)}\n`);
  const config = parseConfig(configuration, configFile);
  try {
    const { app } = createSyncWardenApp({
      context: { [CONFIG_FILE_CONTEXT_KEY]: configFile, 'aws:cdk:bundling-stacks': [] },
      outdir: join(dir, 'cdk.out'),
      nag: false,
      builtinCloudFormationValidation: false, // seconds per synth; cdk synth still runs it
    });
    const assembly = app.synth();
    const templates = assembly.stacksRecursively.map((stack) => stack.template as CfnTemplate);
    const nested = readdirSync(assembly.directory).filter((name) => name.endsWith('.nested.template.json'));
    for (const name of nested) {
      templates.push(JSON.parse(readFileSync(join(assembly.directory, name), 'utf8')) as CfnTemplate);
    }
    return { synthesized: true, config, templates };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/resource/i.test(message)) throw error;
    // CDK lists the count of every resource type after the total: the total is the sentence.
    const reason = (message.split('\n')[0] ?? message).replace(/: AWS::.*$/, '');
    return { synthesized: false, config, reason };
  }
}
