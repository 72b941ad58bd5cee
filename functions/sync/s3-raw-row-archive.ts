// The quarantine's raw-row archive in S3: a row too large for a quarantine item is written whole to the
// stack's quarantine bucket, under its job's prefix (quarantine.ts names the object), and the item points at it. The S3 client is
// loaded on the first such row only: quarantined rows are rare, and the sync's cold start should not
// pay for a client it almost never uses.
import type { S3Client } from '@aws-sdk/client-s3';
import type { RawRowArchive } from './quarantine.js';

export interface S3RawRowArchiveOptions {
  readonly bucket: string;
  /** Builds the client on first use (tests pass a mocked one). @default - a client for the Lambda's Region */
  readonly client?: () => Promise<S3Client>;
}

export class S3RawRowArchive implements RawRowArchive {
  private client?: Promise<S3Client>;

  constructor(private readonly options: S3RawRowArchiveOptions) {}

  async put(objectKey: string, body: string): Promise<{ readonly location: string }> {
    const { bucket } = this.options;
    const key = objectKey;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    this.client ??= (this.options.client ?? defaultClient)();
    await (await this.client)
      .send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          // A retried put (the same row re-read) must not replace what an earlier run kept.
          IfNoneMatch: '*',
        }),
      )
      .catch((error: unknown) => {
        // 412: the object is already there, written by an earlier attempt at the same row.
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412)
          throw error;
      });
    return { location: `s3://${bucket}/${key}` };
  }
}

async function defaultClient(): Promise<S3Client> {
  const [{ S3Client }, { tracer }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../shared/powertools.js'),
  ]);
  return tracer.captureAWSv3Client(new S3Client({}));
}
