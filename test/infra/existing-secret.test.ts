// A job whose secret exists already: its sync role reads exactly that secret.
import { describe, expect, it } from 'vitest';
import { exampleConfig, secretArnPattern, synthesize } from './fixture.js';

type Json = Record<string, unknown>;

describe('existing secrets', () => {
  const variant = (secret: string) =>
    synthesize({ jobs: [{ ...(exampleConfig().jobs as Json[])[0], skewTarget: undefined, secret }] })
      .template;
  const readStatement = (t: ReturnType<typeof variant>) =>
    Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .find((s) => s.Sid === 'ReadOwnAppKey');

  it('grants GetSecretValue on a secret named in the configuration, any random suffix, no VersionStage', () => {
    const t = variant('prod/thingworx-key');
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(readStatement(t)).toEqual({
      Sid: 'ReadOwnAppKey',
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: secretArnPattern('prod/thingworx-key'),
    });
  });

  it('grants GetSecretValue on exactly a complete secret ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/key-AbC123';
    expect(readStatement(variant(arn))?.Resource).toBe(arn);
  });
});
