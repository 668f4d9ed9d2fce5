import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { isMskBroker, resolveTls, tlsIssues } from './kafka-tls.ts';

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
   * Connect over TLS. MSK's SCRAM listener (:9096, :9196) is TLS-only, so `false` with those
   * brokers fails synth; `false` is for a self-managed SASL_PLAINTEXT listener.
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
   *
   * Import the secret by its complete ARN (`Secret.fromSecretCompleteArn`, or
   * `fromSecretAttributes` with `secretCompleteArn`): ECS injects secrets by complete ARN only.
   * When the secret is encrypted with a customer-managed key — MSK SCRAM secrets always are —
   * import it with `encryptionKey` too (`fromSecretAttributes`), or no reader gets `kms:Decrypt`
   * and the worker's tasks and the autoscaler fail at their first read.
   */
  static scram(secret: secretsmanager.ISecret, options: ScramOptions = {}): KafkaAuth {
    return new KafkaAuth(options.mechanism ?? 'scram-sha-512', options.tls, secret);
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
    /** TLS as asked for; undefined: as the auth kind and the brokers' port imply. */
    readonly requestedTls: boolean | undefined,
    /** The SCRAM credentials secret, for the SCRAM kinds. */
    readonly secret?: secretsmanager.ISecret,
    /** The MSK cluster ARN, for `msk-iam`. */
    readonly mskClusterArn?: string,
  ) {}

  /** Lets `grantee` read the SCRAM secret (see {@link grantSecretRead}). */
  grantReadSecret(grantee: iam.IGrantable): void {
    if (this.secret) grantSecretRead(this.secret, grantee);
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
  /**
   * A Secrets Manager secret whose string is the PEM bundle of the CA(s) that signed the
   * brokers' certificates (a private CA); its readers get read rights (and `kms:Decrypt` on its
   * key, when imported with one). Only over TLS.
   * @default - the public CAs Node trusts
   */
  readonly caBundle?: secretsmanager.ISecret;
}

/** A connection checked for contradictions, TLS resolved. */
export interface ResolvedKafka {
  readonly brokers: readonly string[];
  readonly auth: KafkaAuth;
  readonly tls: boolean;
  readonly caBundle?: secretsmanager.ISecret;
}

/** `kafka` with its TLS resolved; throws naming the field and the fix on a contradiction. */
export function resolveKafka(scope: IConstruct, kafka: KafkaConnection): ResolvedKafka {
  const auth = kafka.auth ?? KafkaAuth.none();
  const settings = {
    kind: auth.kind,
    brokers: kafka.brokers,
    tls: auth.requestedTls,
    hasCaBundle: kafka.caBundle !== undefined,
    names: { auth: 'kafka.auth', tls: 'KafkaAuth.scram({ tls })', ca: 'kafka.caBundle' },
  };
  const issues = tlsIssues(settings).map((i) => i.message);
  if (auth.secret && !auth.secret.encryptionKey && kafka.brokers.some(isMskBroker)) {
    issues.push(
      'MSK SCRAM secrets are encrypted with a customer-managed KMS key: import the secret with `encryptionKey` (Secret.fromSecretAttributes) so its readers get kms:Decrypt',
    );
  }
  if (issues.length > 0) {
    throw new Error(`${scope.node.path}: ${issues.join('; ')}`);
  }
  return { brokers: kafka.brokers, auth, tls: resolveTls(settings), caBundle: kafka.caBundle };
}

/** Lets `grantee` read every secret of the connection: the SCRAM credentials, the CA bundle. */
export function grantReadKafkaSecrets(kafka: ResolvedKafka, grantee: iam.IGrantable): void {
  kafka.auth.grantReadSecret(grantee);
  if (kafka.caBundle) grantSecretRead(kafka.caBundle, grantee);
}

/**
 * Lets `grantee` read `secret` and, when the secret has a customer-managed key (MSK requires
 * one), decrypt with that key through Secrets Manager only. Stated here because an imported
 * key's grant to a service-conditioned principal adds nothing to the role.
 */
function grantSecretRead(secret: secretsmanager.ISecret, grantee: iam.IGrantable): void {
  secret.grantRead(grantee);
  const key = secret.encryptionKey;
  if (!key) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(key).region}.amazonaws.com` },
      },
    }),
  );
}
