import { afterEach, describe, expect, it, vi } from 'vitest';
import { credentialsFromEnv } from '../../worker/src/kafka-credentials.ts';

describe('worker MSK IAM credentials (KAFKA_SASL_MECHANISM=aws-msk-iam)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('signs an OAUTHBEARER token for kafka-cluster:Connect in AWS_REGION with the task credentials, over TLS', async () => {
    // The signer reads credentials from the default chain, here the environment.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const credentials = credentialsFromEnv({
      KAFKA_SASL_MECHANISM: 'aws-msk-iam',
      AWS_REGION: 'eu-west-1',
    });
    expect(credentials.tls).toBe(true);
    expect(credentials.sasl?.mechanism).toBe('oauthbearer');
    if (credentials.sasl?.mechanism !== 'oauthbearer') return;
    const token = await credentials.sasl.token();
    const url = new URL(Buffer.from(token, 'base64url').toString());
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\//,
    );
    // A fresh token each (re)authentication, never a cached one past its expiry.
    expect(await credentials.sasl.token()).toEqual(expect.any(String));
  });

  it('needs a region to sign for, and says which variable', () => {
    expect(() => credentialsFromEnv({ KAFKA_SASL_MECHANISM: 'aws-msk-iam' })).toThrow(
      /aws-msk-iam signs for a region: set AWS_REGION/,
    );
  });

  it('still refuses an unknown mechanism, listing the known ones', () => {
    expect(() => credentialsFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(
      /one of plain, scram-sha-256, scram-sha-512, aws-msk-iam/,
    );
  });
});
