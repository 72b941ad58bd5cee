import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeySource } from '../../../functions/app-key/file-source.js';
import { KeySourceUnavailableError } from '../../../functions/app-key/key-source.js';

describe('key file source', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncwarden-key-'));
    path = join(dir, 'app-key.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the same JSON format as the secret', async () => {
    await writeFile(path, JSON.stringify({ appKey: 'file-key-1', keyName: 'local' }));
    await expect(new FileKeySource({ path }).get()).resolves.toMatchObject({
      appKey: 'file-key-1',
      keyName: 'local',
    });
  });

  it('treats rewriting the file with a new key as a rotation (new versionId)', async () => {
    const keys = new FileKeySource({ path });
    await writeFile(path, 'file-key-1');
    const before = await keys.get();
    await writeFile(path, 'file-key-2');
    const after = await keys.refresh();
    expect(after.appKey).toBe('file-key-2');
    expect(after.versionId).not.toBe(before.versionId);
  });

  it('keeps the versionId when the content is unchanged', async () => {
    await writeFile(path, 'file-key-1');
    const keys = new FileKeySource({ path });
    expect((await keys.get()).versionId).toBe((await keys.refresh()).versionId);
  });

  it('does not derive the versionId from the key in a readable way', async () => {
    await writeFile(path, 'file-key-1');
    expect((await new FileKeySource({ path }).get()).versionId).not.toContain('file-key-1');
  });

  it('names the file and the error code when the file is missing', async () => {
    const error = await new FileKeySource({ path }).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeySourceUnavailableError);
    expect((error as Error).message).toBe(`cannot read app key file ${path}: ENOENT`);
  });

  it('describes itself by path', () => {
    expect(new FileKeySource({ path }).describe()).toBe(`file:${path}`);
  });
});
