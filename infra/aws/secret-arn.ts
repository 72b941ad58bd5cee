// The IAM resource ARN of a secret the configuration names: a name or a partial ARN gets Secrets
// Manager's random suffix matched ("-??????"), a complete ARN is used as it is.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** A complete ARN ends in "-" and the 6 random characters Secrets Manager appends to the name. */
const COMPLETE_SECRET_ARN = /-[A-Za-z0-9]{6}$/;

export function existingSecretPolicyArn(scope: Construct, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) {
    return COMPLETE_SECRET_ARN.test(nameOrArn) ? nameOrArn : `${nameOrArn}-??????`;
  }
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${nameOrArn}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
