// Invokes a Lambda on an EventBridge Scheduler schedule with a fixed input: exact time (no flexible
// window), a retry policy for delivery, and one dead-letter queue for events Scheduler could not deliver
// and for invocations that failed (Lambda's on-failure destination, so timeouts and crashes land there too).
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { ScheduleConfig } from '../config/schema.js';

export interface ScheduledInvocationProps {
  readonly function: lambda.IFunction;
  readonly schedule: ScheduleConfig;
  /** Sent as the invocation's event. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly description: string;
  /** Scheduler's attempts to deliver an event after a failed one. @default 3 */
  readonly retryAttempts?: number;
  /** An event not delivered within this is dropped to the DLQ. @default the schedule interval, within 1 min..1 h */
  readonly maxEventAge?: Duration;
  /**
   * Another invocation's DLQ to share (a job's audit shares its sync's: one queue, one dead-letter alarm,
   * two resources fewer per job in a group stack near CloudFormation's 500). @default - a queue of its own
   */
  readonly deadLetterQueue?: sqs.Queue;
}

export class ScheduledInvocation extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ScheduledInvocationProps) {
    super(scope, id);
    const intervalMinutes = props.schedule.intervalMinutes ?? 60;
    const maxEventAge = props.maxEventAge ?? Duration.minutes(Math.min(60, Math.max(1, intervalMinutes)));

    this.deadLetterQueue = props.deadLetterQueue ?? this.ownDeadLetterQueue();

    // A failed run is not retried by Lambda: the next scheduled run resumes from the watermark, and an
    // immediate retry of an Access Denied only repeats it. The failed event and its error go to the DLQ.
    props.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge,
      onFailure: new SendOnlyQueueDestination(this.deadLetterQueue),
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: props.description,
      schedule: scheduler.ScheduleExpression.expression(
        props.schedule.expression,
        TimeZone.of(props.schedule.timezone),
      ),
      timeWindow: scheduler.TimeWindow.off(),
      target: new UnqualifiedLambdaInvoke(props.function, {
        input: scheduler.ScheduleTargetInput.fromObject(props.input),
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  private ownDeadLetterQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (of the Scheduler target and of the Lambda on-failure destination); a DLQ of a DLQ has nothing to add.',
      },
    ]);
    return queue;
  }
}

/**
 * LambdaInvoke that lets the schedule's role invoke exactly the function's (unqualified) ARN; the stock
 * target also grants `<arn>:*` (every version and alias), which Scheduler never calls here.
 */
export class UnqualifiedLambdaInvoke extends LambdaInvoke {
  constructor(
    private readonly invokedFunction: lambda.IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(invokedFunction, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.invokedFunction.functionArn],
      }),
    );
  }
}

/** Lambda's on-failure destination needs only sqs:SendMessage (the stock one also grants queue reads). */
class SendOnlyQueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    return { destination: this.queue.queueArn };
  }
}
