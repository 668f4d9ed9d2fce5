import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** How a client authenticates to Kafka; the value of `LAGPILOT_KAFKA_AUTH`. */
export type KafkaAuthKind = 'none' | 'scram-sha-256' | 'scram-sha-512' | 'tls' | 'msk-iam';

export type ScramMechanism = 'scram-sha-256' | 'scram-sha-512';

/** Options for SASL/SCRAM. */
export interface ScramOptions {
  /**
   * The SCRAM mechanism.
   * @default 'scram-sha-512'
   */
  readonly mechanism?: ScramMechanism;
  /**
   * Connect over TLS (MSK's SCRAM listener requires it).
   * @default true
   */
  readonly tls?: boolean;
}

/** Kafka authentication, shared by the worker service and the autoscaler. */
export class KafkaAuth {
  /** Plaintext, no authentication (a private network only). */
  static none(): KafkaAuth {
    return new KafkaAuth('none', false);
  }

  /** TLS without client authentication. */
  static tls(): KafkaAuth {
    return new KafkaAuth('tls', true);
  }

  /**
   * SASL/SCRAM with credentials from a Secrets Manager secret whose value is the JSON
   * `{"username": "…", "password": "…"}`; the credentials never appear in plain environment.
   */
  static scram(secret: secretsmanager.ISecret, options: ScramOptions = {}): KafkaAuth {
    return new KafkaAuth(options.mechanism ?? 'scram-sha-512', options.tls ?? true, secret);
  }

  /**
   * Amazon MSK IAM access control (TLS, port 9098), for the cluster with this ARN
   * (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`).
   */
  static mskIam(clusterArn: string): KafkaAuth {
    return new KafkaAuth('msk-iam', true, undefined, clusterArn);
  }

  private constructor(
    /** The `LAGPILOT_KAFKA_AUTH` value. */
    readonly kind: KafkaAuthKind,
    /** Whether the connection uses TLS. */
    readonly tls: boolean,
    /** The SCRAM credentials secret, for the SCRAM kinds. */
    readonly secret?: secretsmanager.ISecret,
    /** The MSK cluster ARN, for `msk-iam`. */
    readonly mskClusterArn?: string,
  ) {}

  /**
   * Lets `grantee` read the SCRAM secret and, when the secret has a customer-managed key
   * (MSK requires one), decrypt with that key through Secrets Manager only. Stated here because
   * an imported key's grant to a service-conditioned principal adds nothing to the role.
   */
  grantReadSecret(grantee: iam.IGrantable): void {
    if (!this.secret) return;
    this.secret.grantRead(grantee);
    const key = this.secret.encryptionKey;
    if (!key) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptKafkaSecret',
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${Stack.of(key).region}.amazonaws.com`,
          },
        },
      }),
    );
  }

  /**
   * ARNs of MSK topics or groups in this auth's cluster (`topic/<name>/<uuid>/<topic>`);
   * token-safe, so an ARN from another construct works too.
   */
  mskResourceArns(resource: 'topic' | 'group', names: readonly string[]): string[] {
    if (!this.mskClusterArn) throw new Error(`${this.kind} auth has no MSK cluster`);
    // arn:aws:kafka:region:account:cluster/name/uuid → [arn:aws:kafka:region:account, name/uuid]
    const parts = Fn.split(':cluster/', this.mskClusterArn, 2);
    const [prefix, clusterPath] = [Fn.select(0, parts), Fn.select(1, parts)];
    return names.map((name) => `${prefix}:${resource}/${clusterPath}/${name}`);
  }
}

/** Where the Kafka cluster is and how to authenticate to it. */
export interface KafkaConnection {
  /** Bootstrap brokers, `host:port` each. */
  readonly brokers: readonly string[];
  /**
   * Authentication.
   * @default KafkaAuth.none()
   */
  readonly auth?: KafkaAuth;
}
