/**
 * The parts of undici pgsweep uses, loaded on their own. undici's index loads all of undici (fetch,
 * WebSocket, caches, mocks, interceptors) eagerly: about 0.1 s of every run's 0.35 s start-up, more
 * than the whole sweep takes at 1k groups. These files are what the index itself re-exports, so the
 * classes and errors are the same objects; test/unit/undici-core.test.ts checks that against the
 * index, and package.json pins undici's exact version because these paths are not its public API.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const load = createRequire(import.meta.url);

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;

export const EnvHttpProxyAgent = load(
  'undici/lib/dispatcher/env-http-proxy-agent.js',
) as typeof Undici.EnvHttpProxyAgent;

export const errors = load('undici/lib/core/errors.js') as typeof Undici.errors;

/** undici's `request`, which its index installs on every dispatcher; here it takes one explicitly. */
const requestOn = load('undici/lib/api/api-request.js') as (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;

export function request(
  dispatcher: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
): Promise<Undici.Dispatcher.ResponseData> {
  return requestOn.call(dispatcher, options);
}
