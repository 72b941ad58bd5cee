// The defaults every syncwarden Lambda shares, in one place: arm64, nodejs22.x, X-Ray tracing, its own
// log group with a retention period, its own role (no AWS managed policy), and the shared esbuild settings.
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { nodejsBundlingOptions } from './bundling.js';
import { SERVICE_NAME } from './metrics.js';

/** The repository root, so entries resolve whatever directory `cdk` or vitest runs from. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runtime the project targets (bundles are built for node22). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface ServiceFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/sync/handler.ts`); exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Added to POWERTOOLS_SERVICE_NAME. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  /** The function's own role: grant it exactly what the function calls. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs explain past runs; keep them for their retention period even if the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description}: execution role`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${REPOSITORY_ROOT}${props.entry}`,
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        // Stack traces point into functions/ rather than the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: nodejsBundlingOptions(),
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: `${REPOSITORY_ROOT}package-lock.json`,
    });

    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource is "*".',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'The project pins nodejs22.x (issue 7): bundles target node22 and were tested against its AWS SDK; moving to a newer runtime is a deliberate, tested change.',
      },
    ]);
  }
}
