import type { KafkaAuthKind } from './kafka-connection.ts';

/**
 * The one rule for whether a Kafka connection uses TLS, shared by the app's parameters and the
 * constructs: the auth kind and, on Amazon MSK, the port decide it. A setting that contradicts
 * them is refused at synth, with the field and the fix named, rather than deployed as a client
 * that can never connect.
 */

type MskListener = { readonly auth: 'none' | 'tls' | 'scram' | 'msk-iam'; readonly tls: boolean };

/** MSK's listeners by port (private, then public access): each takes one auth, TLS or not. */
const MSK_LISTENERS: Readonly<Record<number, MskListener>> = {
  9092: { auth: 'none', tls: false },
  9094: { auth: 'tls', tls: true },
  9096: { auth: 'scram', tls: true },
  9098: { auth: 'msk-iam', tls: true },
  9194: { auth: 'tls', tls: true },
  9196: { auth: 'scram', tls: true },
  9198: { auth: 'msk-iam', tls: true },
};

const MSK_AUTH_FIX: Readonly<Record<MskListener['auth'], string>> = {
  none: 'no authentication (none)',
  tls: 'TLS without SASL (tls)',
  scram: 'SASL/SCRAM (scram-sha-512)',
  'msk-iam': 'IAM (msk-iam)',
};

/** An MSK (provisioned or serverless) bootstrap address. */
export function isMskBroker(broker: string): boolean {
  return /\.kafka(-serverless)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?:\d+$/.test(broker);
}

const portOf = (broker: string) => Number(broker.slice(broker.lastIndexOf(':') + 1));
const familyOf = (kind: KafkaAuthKind) => (kind.startsWith('scram') ? 'scram' : kind);

/** What a connection says about TLS, and the names its fields have where it was written. */
export interface TlsSettings {
  readonly kind: KafkaAuthKind;
  readonly brokers: readonly string[];
  /** TLS as given; undefined when left to follow from the auth and port. */
  readonly tls: boolean | undefined;
  readonly hasCaBundle: boolean;
  /** How to name each field in a message: `kafkaTls` in cdk.json, `tls` on KafkaAuth.scram(). */
  readonly names: { readonly auth: string; readonly tls: string; readonly ca: string };
}

export interface TlsIssue {
  readonly field: 'auth' | 'tls' | 'ca' | 'brokers';
  readonly message: string;
}

/** The MSK listener a broker list points at, when every broker is MSK's on one known port. */
function mskListener(brokers: readonly string[]): MskListener | undefined {
  if (brokers.length === 0 || !brokers.every(isMskBroker)) return undefined;
  const ports = new Set(brokers.map(portOf));
  return ports.size === 1 ? MSK_LISTENERS[[...ports][0]!] : undefined;
}

/**
 * Whether TLS is required: `tls` and `msk-iam` always, and any MSK TLS listener. SCRAM without
 * an MSK port defaults to TLS (SASL credentials over plaintext is an explicit `tls: false`).
 */
export function resolveTls(s: Pick<TlsSettings, 'kind' | 'brokers' | 'tls'>): boolean {
  const listener = mskListener(s.brokers);
  if (s.kind === 'tls' || s.kind === 'msk-iam' || listener?.tls) return true;
  if (s.tls !== undefined) return s.tls;
  return familyOf(s.kind) === 'scram';
}

/** Every contradiction between the auth kind, the ports, TLS and the CA bundle. */
export function tlsIssues(s: TlsSettings): TlsIssue[] {
  const issues: TlsIssue[] = [];
  const listener = mskListener(s.brokers);
  const ports = [...new Set(s.brokers.map(portOf))].join(', ');
  if (s.kind === 'msk-iam' && !s.brokers.every((b) => [9098, 9198].includes(portOf(b)))) {
    issues.push({
      field: 'brokers',
      message: `${s.names.auth}=msk-iam connects to MSK's IAM listener on port 9098 (9198 with public access), not ${ports}: use the IAM bootstrap brokers (aws kafka get-bootstrap-brokers, BootstrapBrokerStringSaslIam)`,
    });
  } else if (
    listener &&
    listener.auth !== familyOf(s.kind) &&
    !(listener.auth === 'tls' && s.kind === 'none' && s.tls)
  ) {
    issues.push({
      field: 'auth',
      message: `MSK's port ${ports} takes ${MSK_AUTH_FIX[listener.auth]}, not ${s.kind}: set ${s.names.auth} to match, or use the bootstrap brokers of the ${s.kind} listener`,
    });
  }
  // MSK's SCRAM listener takes SHA-512 only: SHA-256 would fail every task's authentication.
  if (s.kind === 'scram-sha-256' && s.brokers.length > 0 && s.brokers.every(isMskBroker)) {
    issues.push({
      field: 'auth',
      message: `Amazon MSK supports SCRAM-SHA-512 only, not scram-sha-256: set ${s.names.auth}=scram-sha-512`,
    });
  }
  const required =
    s.kind === 'tls' || s.kind === 'msk-iam'
      ? `${s.names.auth}=${s.kind}`
      : listener?.tls
        ? `MSK's TLS-only port ${ports}`
        : undefined;
  if (s.tls === false && required) {
    issues.push({
      field: 'tls',
      message: `${s.names.tls}=false contradicts ${required}, which is TLS only: remove ${s.names.tls} (TLS follows from it)`,
    });
  }
  if (s.tls === true && listener && !listener.tls) {
    issues.push({
      field: 'tls',
      message: `${s.names.tls}=true contradicts MSK's plaintext port ${ports}: use the TLS bootstrap brokers (9094, 9096 or 9098), or remove ${s.names.tls}`,
    });
  }
  if (s.hasCaBundle && !resolveTls(s)) {
    issues.push({
      field: 'ca',
      message: `${s.names.ca} only applies over TLS, and this connection is plaintext: set ${s.names.tls}=true, or remove ${s.names.ca}`,
    });
  }
  return issues;
}
