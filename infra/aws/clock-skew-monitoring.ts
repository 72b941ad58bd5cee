// The clock-skew monitor's alarms and widgets: each target's skew over its tolerance, a failed measurement,
// Dates no single clock could give; the pairwise skew; the monitor's own Lambda errors and dead letters.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmFactory } from './alarm-factory.js';
import type { ClockSkewMonitor } from './clock-skew-monitor.js';
import { deadLettersAlarm, functionErrorsAlarm } from './lambda-alarms.js';
import { pairwiseSkewMs, SkewTargetMetrics } from './metrics.js';

export function monitorClockSkew(
  parent: Construct,
  monitor: ClockSkewMonitor,
  alarm: AlarmFactory,
): cloudwatch.IWidget[] {
  const period = Duration.minutes(Math.max(1, monitor.config.schedule.intervalMinutes ?? 5));
  const scope = new Construct(parent, 'ClockSkew');
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.TextWidget({ markdown: '## Clock skew', width: 24, height: 1 }),
  ];
  for (const target of monitor.config.targets) {
    const metrics = new SkewTargetMetrics(target.name);
    const targetScope = new Construct(scope, `Target-${target.name}`);
    alarm(targetScope, 'SkewOverTolerance', `clock-skew-${target.name}`, {
      metric: metrics.absOffsetUpperMs(period),
      threshold: target.toleranceMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The clock of ${target.name} (${target.url}) differs from ours by more than ${target.toleranceMs} ms (ClockAbsOffsetUpperMs = |offset| + bound) in 2 of 3 measurements. Fix NTP on that server; an offset near a multiple of 15 min is a time zone misconfiguration (SuspectedTimezone).`,
    });
    alarm(targetScope, 'MeasurementFailed', `clock-skew-${target.name}-measurement-failed`, {
      metric: metrics.measurementFailed(period),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The clock of ${target.name} (${target.url}) could not be measured in 2 of 3 attempts (MeasurementFailed): unreachable, a timeout, or no readable Date header. See the monitor's log.`,
    });
    // Without it a cache or a disagreeing server pool in front of the target would go unnoticed: such a
    // run publishes no offset (the skew alarm sees missing data) and is not a failed measurement.
    alarm(targetScope, 'DateInconsistent', `clock-skew-${target.name}-date-inconsistent`, {
      metric: metrics.dateInconsistent(period),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The Date headers of ${target.name} (${target.url}) cannot come from one clock in 2 of 3 measurements (DateInconsistent): a cache replaying old answers, or a load-balanced pool whose servers' clocks disagree. Point the target at one server behind no cache; if it is a pool, fix NTP on every server.`,
    });
    widgets.push(
      new cloudwatch.GraphWidget({
        title: `${target.name}: offset and bound (ms)`,
        left: [
          metrics.offsetMs(period).with({ label: 'offset (server - ours)' }),
          metrics.offsetBoundMs(period).with({ label: 'bound (±)' }),
          metrics.absOffsetUpperMs(period).with({ label: '|offset| + bound (alarm)' }),
        ],
        leftAnnotations: [
          { value: target.toleranceMs, label: 'tolerance', color: cloudwatch.Color.RED },
          { value: -target.toleranceMs, label: '-tolerance', color: cloudwatch.Color.RED },
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${target.name}: measurement problems`,
        left: [
          metrics.measurementFailed(period).with({ label: 'measurement failed' }),
          metrics.dateInconsistent(period).with({ label: 'Date inconsistent (cache?)' }),
          metrics.suspectedTimezone(period).with({ label: 'suspected time zone' }),
        ],
        width: 12,
      }),
    );
  }
  if (monitor.config.pairs.length > 0) {
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Pairwise skew (ms)',
        left: monitor.config.pairs.map(([a, b]) =>
          pairwiseSkewMs(`${a}|${b}`, period).with({ label: `${a} vs ${b}` }),
        ),
        width: 24,
      }),
    );
  }
  functionErrorsAlarm(alarm, scope, monitor.function, 'clock-skew-lambda-errors', 'the clock-skew monitor');
  deadLettersAlarm(alarm, scope, monitor.invocation, 'clock-skew-dead-letters', 'the clock-skew monitor');
  return widgets;
}
