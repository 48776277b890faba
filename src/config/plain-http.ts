/**
 * One warning for a plain-http gateway given TLS options (they do nothing without TLS) or
 * credentials (they travel in clear text). Pure: the caller logs it once per run.
 */
import type { GatewayUrl } from '../gateway/base-url.ts';

export interface PlainHttpInputs {
  readonly urls: readonly GatewayUrl[];
  readonly tls: {
    readonly caFile?: string | undefined;
    readonly certFile?: string | undefined;
    readonly keyFile?: string | undefined;
    readonly insecureSkipVerify: boolean;
  };
  readonly auth: { readonly kind: 'basic' | 'bearer' } | undefined;
  readonly headers: readonly (readonly [string, string])[];
}

/** Header names that look like they carry a credential (Authorization itself is refused earlier). */
const CREDENTIAL_HEADER = /auth|token|api[-_]?key|secret|passw|session|signature/i;

export function plainHttpWarning(inputs: PlainHttpInputs): string | undefined {
  const plain = inputs.urls.filter((u) => !u.https);
  if (plain.length === 0) return undefined;
  const { tls } = inputs;
  const tlsFlags = [
    ...(tls.caFile !== undefined ? ['--ca-file'] : []),
    ...(tls.certFile !== undefined ? ['--cert-file'] : []),
    ...(tls.keyFile !== undefined ? ['--key-file'] : []),
    ...(tls.insecureSkipVerify ? ['--insecure-skip-verify'] : []),
  ];
  const secrets = [
    ...(inputs.auth?.kind === 'basic' ? ['the basic-auth password'] : []),
    ...(inputs.auth?.kind === 'bearer' ? ['the bearer token'] : []),
    ...inputs.headers.filter(([name]) => CREDENTIAL_HEADER.test(name)).map(([n]) => `header ${n}`),
  ];
  if (tlsFlags.length === 0 && secrets.length === 0) return undefined;
  const parts = [
    ...(tlsFlags.length > 0
      ? [`${tlsFlags.join(', ')} ${tlsFlags.length > 1 ? 'do' : 'does'} nothing without TLS`]
      : []),
    ...(secrets.length > 0
      ? [`${secrets.join(' and ')} ${secrets.length > 1 ? 'travel' : 'travels'} in clear text`]
      : []),
  ];
  const where = plain.map((u) => u.href).join(', ');
  return `plain http (${where}): ${parts.join('; ')}; use an https:// URL`;
}
