// The one grant a job's functions (its sync and its audit) need on the job's app key: read the secret,
// and decrypt it through Secrets Manager only when the secret has a customer managed key.
import * as iam from 'aws-cdk-lib/aws-iam';

export function grantOwnAppKeyRead(
  role: iam.IRole,
  secretArn: string,
  kmsKeyArn: string | undefined,
  region: string,
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadOwnAppKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretArn],
    }),
  );
  if (kmsKeyArn) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptOwnAppKey',
        actions: ['kms:Decrypt'],
        resources: [kmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      }),
    );
  }
}
