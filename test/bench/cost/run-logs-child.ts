// One cold invocation of a real syncwarden handler (the sync, or the clock-skew monitor) on the embedded
// stack, in a fresh process, with Powertools as a deployed function has it: metrics on, INFO logs, service
// `syncwarden`. Its stdout is the invocation's log stream: EMF lines and log lines, measured by the parent
// (measure-run-logs.ts). Setup comes in the environment (RUN_LOGS_INPUT), as Lambda's does.
import { lambdaContext } from '../../../infra/local/lambda-context.js';

export interface RunLogsInput {
  readonly lambda: 'sync' | 'clock-skew';
  readonly env: Readonly<Record<string, string>>;
}

const input = JSON.parse(process.env.RUN_LOGS_INPUT ?? '{}') as RunLogsInput;
Object.assign(process.env, input.env);
const { handler } =
  input.lambda === 'sync'
    ? await import('../../../functions/sync/handler.js')
    : await import('../../../functions/clock-skew/handler.js');
const event = input.lambda === 'sync' ? { job: process.env.SYNC_JOB_NAME } : {};
await handler(event, lambdaContext(`SyncWarden-${input.lambda}`, 60_000));
