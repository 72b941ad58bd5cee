// Who may read and write a job's app key, enforced on the secret itself, not only by identity policies: a
// resource policy on each secret the stack creates denies the value actions to every principal but the roles
// that need them (and the configuration's break-glass role). Identity policies alone would let any principal
// with secretsmanager:GetSecretValue on "*" read it.
//
// The pattern: an explicit Deny with Principal "*" and an ArnNotEquals condition on aws:PrincipalArn, which
// IAM recommends over NotPrincipal (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html),
// aws:PrincipalArn being the role ARN for every session of the role
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
// Only the value actions are denied: DescribeSecret, UpdateSecret, RotateSecret, the resource-policy and tag
// actions stay with identity policies, so the deploying CloudFormation/CDK roles still manage the secret (and
// this very policy), and `cdk deploy` can still start the first rotation.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { KeyRotation } from './key-rotation.js';
import type { ReconcileJob } from './reconcile-job.js';
import type { SyncJob } from './sync-job.js';

/** Reading the value (BatchGetSecretValue is authorized per secret as GetSecretValue). */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
/** Writing a value or moving its stages: what a rotation does. */
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

export interface SecretValueAccess {
  /** Role ARNs that may read the value. */
  readonly readers: readonly string[];
  /** Role ARNs that may write it; undefined leaves writes to identity policies (an operator fills the secret). */
  readonly writers?: readonly string[] | undefined;
  /** A role that may always read and write (incident response). @default - none */
  readonly breakGlassRoleArn?: string | undefined;
}

/** The resource policy: one Deny per kind of access, each sparing only the roles that need it. */
export function secretValuePolicy(access: SecretValueAccess): iam.PolicyDocument {
  const spared = (roles: readonly string[]) => [
    ...roles,
    ...(access.breakGlassRoleArn ? [access.breakGlassRoleArn] : []),
  ];
  const denyAllBut = (sid: string, actions: readonly string[], roles: readonly string[]) =>
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...actions],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': spared(roles) } },
    });
  return new iam.PolicyDocument({
    statements: [
      denyAllBut('ReadOnlyByItsFunctions', SECRET_READ_ACTIONS, access.readers),
      ...(access.writers === undefined
        ? []
        : [denyAllBut('WriteOnlyByItsRotation', SECRET_WRITE_ACTIONS, access.writers)]),
    ],
  });
}

export interface SecretAccessProps {
  readonly job: SyncJob;
  /** The job's rotation, if it has one: it reads and writes the secret, and nobody else writes it. */
  readonly rotation?: KeyRotation | undefined;
  /** The job's scheduled audit, if it has one: it reads the key as the sync does. */
  readonly audit?: ReconcileJob | undefined;
  readonly breakGlassRoleArn?: string | undefined;
}

/**
 * The resource policy of a secret the stack created, and (with `"customerManagedKey": true`) its key's
 * policy naming the same roles. Created after the job and its rotation, which own the roles it names.
 */
export class SecretAccess extends Construct {
  readonly resourcePolicy: secretsmanager.CfnResourcePolicy;

  constructor(scope: Construct, id: string, props: SecretAccessProps) {
    super(scope, id);
    const { job, rotation } = props;
    if (!job.secretCreated)
      throw new Error(`job ${job.job.name}: only a secret the stack created gets a policy here`);
    const syncRole = job.function.role.roleArn;
    const rotationRole = rotation?.function.role.roleArn;
    const auditRole = props.audit?.function.role.roleArn;
    const access: SecretValueAccess = {
      readers: [syncRole, ...(auditRole ? [auditRole] : []), ...(rotationRole ? [rotationRole] : [])],
      // Without rotation the operator fills the placeholder with put-secret-value: writes stay with IAM.
      writers: rotationRole ? [rotationRole] : undefined,
      breakGlassRoleArn: props.breakGlassRoleArn,
    };
    this.resourcePolicy = new secretsmanager.CfnResourcePolicy(this, 'ResourcePolicy', {
      secretId: job.secretId,
      resourcePolicy: secretValuePolicy(access).toJSON(),
      // Secrets Manager refuses a policy that would grant broad access; ours only denies.
      blockPublicPolicy: true,
    });

    const key = job.secretKey;
    if (!key) return;
    // The key policy names the same roles (they need no KMS statement of their own), used only through
    // Secrets Manager in this Region (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
    // The key encrypts this one secret; a kms:EncryptionContext:SecretARN condition would make the key
    // depend on the secret that depends on it.
    const throughSecretsManager = {
      StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
    };
    const roles = (arns: readonly string[]) => arns.map((arn) => new iam.ArnPrincipal(arn));
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DecryptTheAppKeyByItsFunctions',
        principals: roles(access.readers),
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: throughSecretsManager,
      }),
    );
    if (rotationRole) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EncryptNewAppKeysByItsRotation',
          principals: roles([rotationRole]),
          // PutSecretValue encrypts the new version under a new data key.
          actions: ['kms:GenerateDataKey'],
          resources: ['*'],
          conditions: throughSecretsManager,
        }),
      );
    }
    if (props.breakGlassRoleArn) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'BreakGlass',
          principals: roles([props.breakGlassRoleArn]),
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: throughSecretsManager,
        }),
      );
    }
  }
}
