// The clock-skew monitor: a Lambda on its own schedule that measures each target's clock from its Date
// header and records the last measurement under `target#<name>` in the control table (and nothing else).
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { controlKeys } from '../../functions/shared/tables.js';
import type { ClockSkewConfig } from '../config/schema.js';
import { ScheduledInvocation } from './scheduled-invocation.js';
import { ServiceFunction } from './service-function.js';
import type { SyncWardenTables } from './tables.js';

export const CLOCK_SKEW_ENTRY = 'functions/clock-skew/handler.ts';

/** Actions the monitor performs on its targets' items. */
export const CLOCK_SKEW_TABLE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

export interface ClockSkewMonitorProps {
  readonly config: ClockSkewConfig;
  readonly tables: SyncWardenTables;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

export class ClockSkewMonitor extends Construct {
  readonly config: ClockSkewConfig;
  readonly function: ServiceFunction;
  readonly invocation: ScheduledInvocation;

  constructor(scope: Construct, id: string, props: ClockSkewMonitorProps) {
    super(scope, id);
    const { config, tables } = props;
    this.config = config;
    this.function = new ServiceFunction(this, 'Monitor', {
      entry: CLOCK_SKEW_ENTRY,
      description: 'syncwarden clock-skew monitor',
      timeout: Duration.seconds(config.timeoutSeconds),
      memorySize: config.memoryMb,
      environment: clockSkewEnvironment(config, tables.control.tableName),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnTargetMeasurements',
        actions: [...CLOCK_SKEW_TABLE_ACTIONS],
        resources: [tables.control.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': config.targets.map((target) => controlKeys.targetPartition(target.name)),
          },
        },
      }),
    );
    this.invocation = new ScheduledInvocation(this, 'Schedule', {
      function: this.function.function,
      schedule: config.schedule,
      input: {},
      description: 'syncwarden: measures the clock skew of the configured targets',
    });
  }
}

/** The monitor's environment: its table, its targets and the pairs it compares. */
export function clockSkewEnvironment(config: ClockSkewConfig, controlTable: string): Record<string, string> {
  return {
    CONTROL_TABLE_NAME: controlTable,
    SKEW_REQUEST_TIMEOUT_MS: String(config.requestTimeoutMs),
    SKEW_TARGETS: JSON.stringify(
      config.targets.map(({ name, url, toleranceMs }) => ({ name, url, toleranceMs })),
    ),
    ...(config.pairs.length > 0 ? { SKEW_PAIRS: JSON.stringify(config.pairs) } : {}),
    ...(config.consistencyChecks > 0 ? { SKEW_CONSISTENCY_CHECKS: String(config.consistencyChecks) } : {}),
  };
}
