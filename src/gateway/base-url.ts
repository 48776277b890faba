/** The one place --url is validated and split into origin and route prefix. */
import { UsageError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';

/** A gateway's --url, checked and split once; every request and message uses these parts. */
export interface GatewayUrl {
  /** As the user gave it. */
  readonly text: string;
  readonly origin: string;
  /** The route prefix, always ending in `/`. */
  readonly basePath: string;
  /** `origin` + `basePath`: the gateway's name in messages and reports. */
  readonly href: string;
  readonly hostname: string;
  /** The port requests go to (the scheme's default when the URL names none). */
  readonly port: number;
  readonly https: boolean;
}

/** Validates --url and returns the origin and base path (always ending in `/`). */
export function parseBaseUrl(raw: string, from = '--url'): GatewayUrl {
  // Never echo userinfo, a query or a fragment: they are where URLs carry secrets.
  const shown = redactUrl(raw);
  // The URL parser silently drops tabs and newlines, so a value holding them names another URL.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\x00-\x1f\x7f]/.test(raw)) {
    throw new UsageError(
      `${from} holds a control character (a tab or line break?): give one URL, e.g. http://pushgateway:9091`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${from} "${shown}" is not a URL (use e.g. http://pushgateway:9091)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${from} "${shown}" must start with http:// or https://`);
  }
  if (url.username || url.password) {
    throw new UsageError(
      `${from} must not contain credentials: pgsweep never takes secrets from flag values`,
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `${from} "${shown}" must not have a query or fragment: give the base URL and route prefix only`,
    );
  }
  const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const https = url.protocol === 'https:';
  return {
    text: raw,
    origin: url.origin,
    basePath,
    href: `${url.origin}${basePath}`,
    hostname: url.hostname,
    port: Number(url.port) || (https ? 443 : 80),
    https,
  };
}
