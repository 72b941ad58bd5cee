#!/usr/bin/env node
// `npx syncwarden <command>` from a checkout: the CLI is TypeScript, run through tsx (a dev dependency
// that `npm ci` installs), so operators need no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
