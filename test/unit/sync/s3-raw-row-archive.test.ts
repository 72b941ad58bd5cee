// The quarantine's S3 archive against a mocked S3 client (S3 has no local engine here): what it writes,
// that it never replaces an object an earlier attempt wrote, and that other failures reach the run.
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3RawRowArchive } from '../../../functions/sync/s3-raw-row-archive.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const archive = () => new S3RawRowArchive({ bucket: 'quarantine', client: async () => new S3Client({}) });
const failure = (status: number, name: string) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

describe('S3 raw-row archive', () => {
  it('writes the row as JSON under the key it is given, only if no object is there yet', async () => {
    s3.on(PutObjectCommand).resolves({});

    const { location } = await archive().put(
      'quarantine/orders/2026-01-01T00:00:00.000Z#k#h.json',
      '{"a":1}',
    );

    expect(location).toBe('s3://quarantine/quarantine/orders/2026-01-01T00:00:00.000Z#k#h.json');
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'quarantine',
        Key: 'quarantine/orders/2026-01-01T00:00:00.000Z#k#h.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
        IfNoneMatch: '*',
      },
    ]);
  });

  it('takes an object an earlier attempt wrote (412) as written', async () => {
    s3.on(PutObjectCommand).rejects(failure(412, 'PreconditionFailed'));

    await expect(archive().put('quarantine/orders/x.json', '{}')).resolves.toEqual({
      location: 's3://quarantine/quarantine/orders/x.json',
    });
  });

  it('passes any other failure on, so the row is not taken as held', async () => {
    s3.on(PutObjectCommand).rejects(failure(403, 'AccessDenied'));

    await expect(archive().put('quarantine/orders/x.json', '{}')).rejects.toThrow('AccessDenied');
  });

  it('builds its client once, on the first row', async () => {
    s3.on(PutObjectCommand).resolves({});
    let built = 0;
    const counted = new S3RawRowArchive({
      bucket: 'quarantine',
      client: async () => {
        built++;
        return new S3Client({});
      },
    });

    await counted.put('quarantine/orders/a.json', '{}');
    await counted.put('quarantine/orders/b.json', '{}');

    expect(built).toBe(1);
  });
});
