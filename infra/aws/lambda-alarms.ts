// The alarms every scheduled function has, whatever it does: the Lambda itself errored (start-up failures
// and timeouts publish no metrics of their own), and its dead-letter queue is not empty.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { AlarmFactory } from './alarm-factory.js';
import type { ScheduledInvocation } from './scheduled-invocation.js';
import type { ServiceFunction } from './service-function.js';

export function functionErrorsAlarm(
  alarm: AlarmFactory,
  scope: Construct,
  fn: ServiceFunction,
  name: string,
  what: string,
): void {
  alarm(scope, 'LambdaErrors', name, {
    metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `The Lambda of ${what} ended an invocation with an error (AWS/Lambda Errors), including timeouts and start-up failures (bad configuration) that publish no run metrics. See its log group.`,
  });
}

export function deadLettersAlarm(
  alarm: AlarmFactory,
  scope: Construct,
  invocation: ScheduledInvocation,
  name: string,
  what: string,
): void {
  alarm(scope, 'DeadLetters', name, {
    metric: invocation.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `The dead-letter queue of ${what} is not empty: Scheduler could not deliver an invocation, or an invocation failed (the message holds the error). Read the messages, fix the cause, then purge the queue.`,
  });
}
