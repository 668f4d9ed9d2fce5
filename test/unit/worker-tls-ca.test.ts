import { describe, expect, it } from 'vitest';
import { credentialsFromEnv } from '../../worker/src/kafka-credentials.ts';
import { platformaticBase } from '../../worker/src/platformatic-options.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('worker TLS with a private CA (KAFKA_TLS_CA)', () => {
  it('trusts the bundle over TLS, for kafkajs (ssl) and @platformatic/kafka (tls)', () => {
    const credentials = credentialsFromEnv({ KAFKA_TLS: 'true', KAFKA_TLS_CA: PEM });
    expect(credentials.tls).toEqual({ ca: [PEM] });
    expect(platformaticBase(['b:9094'], credentials, 'c').tls).toEqual({ ca: [PEM] });
  });

  it('keeps the bundle with SCRAM and with MSK IAM (TLS implied)', () => {
    const scram = credentialsFromEnv({
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA: PEM,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(scram.tls).toEqual({ ca: [PEM] });
    const iam = credentialsFromEnv({
      KAFKA_TLS_CA: PEM,
      KAFKA_SASL_MECHANISM: 'aws-msk-iam',
      AWS_REGION: 'eu-west-1',
    });
    expect(iam.tls).toEqual({ ca: [PEM] });
  });

  it('refuses a bundle on a plaintext connection, naming the fix', () => {
    expect(() => credentialsFromEnv({ KAFKA_TLS_CA: PEM })).toThrow(
      /KAFKA_TLS_CA.*only applies over TLS: set KAFKA_TLS=true/,
    );
  });

  it('refuses a value that holds no PEM certificate, without echoing it', () => {
    const error = (() => {
      try {
        credentialsFromEnv({ KAFKA_TLS: 'true', KAFKA_TLS_CA: 'hunter2' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/KAFKA_TLS_CA.*PEM certificates/);
    expect(error?.message).not.toMatch(/hunter2/);
  });

  it('without a bundle, TLS is the public CAs as before', () => {
    expect(credentialsFromEnv({ KAFKA_TLS: 'true' }).tls).toBe(true);
    expect(
      platformaticBase(['b:9094'], credentialsFromEnv({ KAFKA_TLS: 'true' }), 'c').tls,
    ).toEqual({});
  });
});
