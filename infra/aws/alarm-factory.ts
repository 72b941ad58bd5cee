// The one way alarms are made (Monitoring.alarm): named `<stack>-<name>`, with the alarm topic as their
// action, on the status widget. The alarm modules take it as an argument, so each stays a function.
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export type AlarmFactory = (
  scope: Construct,
  id: string,
  name: string,
  props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'evaluationPeriods'> & { evaluationPeriods?: number },
) => cloudwatch.Alarm;
