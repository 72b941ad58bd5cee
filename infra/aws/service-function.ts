// The defaults every syncwarden Lambda shares, in one place: arm64, nodejs22.x, X-Ray tracing, its own
// log group with a retention period, its own role (no AWS managed policy), and the shared esbuild settings.
// X-Ray's two actions live in a policy of their own, the only place the cdk-nag IAM5 wildcard finding is
// suppressed: a "*" added to the role itself is still reported.
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

/** What active tracing needs; X-Ray takes no resource-level permissions for them. */
export const X_RAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

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
      // Tracing is switched on below, not with `tracing`: that prop adds X-Ray's "*" statement to the role's
      // default policy, where only a role-wide suppression could silence it.
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

    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    const xRay = new iam.Policy(this, 'XRayTracing', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: [...X_RAY_ACTIONS],
          resources: ['*'],
        }),
      ],
    });
    // The function may start tracing as soon as it exists.
    this.function.node.addDependency(xRay);
    NagSuppressions.addResourceSuppressions(xRay, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource is "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html). This policy holds nothing else.',
        appliesTo: ['Resource::*'],
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'The project pins nodejs22.x (issue 7): bundles target node22 and were tested against its AWS SDK; moving to a newer runtime is a deliberate, tested change.',
      },
    ]);
  }
}
