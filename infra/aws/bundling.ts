// The esbuild settings every Lambda is bundled with, in one place: the stack's NodejsFunctions and the
// bundle bench (test/bench/bundle.bench.ts) both derive theirs from LAMBDA_BUNDLING, so the figures the
// bench prints are the bundles the stack deploys.

import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** ESM output bundles Powertools and middy's CommonJS dependencies, which still call `require`. */
const REQUIRE_SHIM =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  /** Matches the `nodejs22.x` runtime. */
  target: 'node22',
  format: 'esm',
  minify: true,
  sourceMap: true,
  /** Source maps keep file/line mapping but not the sources: smaller assets. */
  sourcesContent: false,
  /** Prefer ESM entry points so unused Powertools code is tree-shaken. */
  mainFields: ['module', 'main'],
  /** The runtime ships the AWS SDK v3; Powertools and middy are bundled. */
  externalModules: ['@aws-sdk/*'],
  banner: REQUIRE_SHIM,
  /** Packages bundled as a smaller module of our own that does the same (bundle-shims/ says why). */
  alias: { semver: fileURLToPath(new URL('./bundle-shims/semver-gte.cjs', import.meta.url)) },
} as const;

/** LAMBDA_BUNDLING as NodejsFunction bundling options. */
export function nodejsBundlingOptions(): BundlingOptions {
  return {
    target: LAMBDA_BUNDLING.target,
    format: OutputFormat.ESM,
    minify: LAMBDA_BUNDLING.minify,
    sourceMap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    externalModules: [...LAMBDA_BUNDLING.externalModules],
    banner: LAMBDA_BUNDLING.banner,
    // The CDK's options have no alias; esbuild takes an absolute path as the substitute. CDK bundles
    // locally, with the repository's esbuild (a devDependency); its Docker fallback, used only when no
    // local esbuild is found, would not see this host path and would fail the synth, not a Lambda.
    esbuildArgs: Object.fromEntries(
      Object.entries(LAMBDA_BUNDLING.alias).map(([name, path]) => [`--alias:${name}`, path]),
    ),
  };
}

/** LAMBDA_BUNDLING as the esbuild build options NodejsFunction passes on its command line. */
export function esbuildBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLING.target,
    format: LAMBDA_BUNDLING.format,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    alias: { ...LAMBDA_BUNDLING.alias },
    logLevel: 'warning',
  };
}
