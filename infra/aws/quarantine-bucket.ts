// The bucket for quarantined rows too large for a quarantine item (functions/sync/quarantine.ts): one per
// stack, private, TLS only, retained with the tables it complements. Each job may only put objects under
// its own prefix, and never read, list or delete (grantArchiveWrite).
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { rawRowPrefix } from '../../functions/sync/quarantine.js';

export class QuarantineBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Rows nobody could store are the one copy the operator has: kept when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Only the sync roles write here, one object per quarantined row, each named in the function log and in its quarantine item; server access logs would need a second bucket to record what those already record.',
      },
    ]);
  }

  /** Lets `role` put objects under the job's prefix only (quarantine/<job>/), in a policy of its own. */
  grantArchiveWrite(scope: Construct, role: iam.IRole, job: string): void {
    const objects = this.bucket.arnForObjects(`${rawRowPrefix(job)}*`);
    const policy = new iam.Policy(scope, 'QuarantineArchive', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] })],
    });
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "Object names are made per quarantined row (its time, key hash and content hash), so the grant names the job's own prefix, quarantine/<job>/*, and only s3:PutObject. This policy holds nothing else.",
        // The bucket's ARN, or in a job group's nested stack the parameter CDK passes it in.
        appliesTo: [
          { regex: '/^Resource::<(referenceto.*)?QuarantineBucket.*\\.?Arn>\\/quarantine\\/.*\\/\\*$/g' },
        ],
      },
    ]);
  }
}
