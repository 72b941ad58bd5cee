// The daily admin-key check of one job's rotation: an EventBridge Scheduler schedule invokes the rotation
// function with ADMIN_KEY_CHECK_EVENT, and it publishes AdminKeyDaysToExpiry (functions/rotate-key/
// admin-key-check.ts). The alarm on it is in rotation-monitoring.ts. A schedule rather than a check inside the
// rotation: rotations run every `everyDays`, so an admin key could expire unnoticed between two of them.
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ADMIN_KEY_CHECK_EVENT } from '../../functions/rotate-key/admin-key-check.js';
import { UnqualifiedLambdaInvoke } from './scheduled-invocation.js';
import type { ServiceFunction } from './service-function.js';

/** Once a day: the alarm evaluates two daily periods, so one late or lost check does not page. */
export const ADMIN_KEY_CHECK_SCHEDULE = 'rate(1 day)';

export interface AdminKeyCheckProps {
  readonly jobName: string;
  readonly rotationFunction: ServiceFunction;
}

export class AdminKeyCheck extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: AdminKeyCheckProps) {
    super(scope, id);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `syncwarden: daily admin key expiry check of job ${props.jobName}`,
      schedule: scheduler.ScheduleExpression.expression(ADMIN_KEY_CHECK_SCHEDULE),
      timeWindow: scheduler.TimeWindow.off(),
      // Exactly what the handler checks for; the function's role already reads the admin secret.
      target: new UnqualifiedLambdaInvoke(props.rotationFunction.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ ...ADMIN_KEY_CHECK_EVENT }),
        retryAttempts: 3,
      }),
    });
  }
}
