/**
 * The parts of undici pgsweep uses, loaded on their own. undici's index loads all of undici (fetch,
 * WebSocket, caches, mocks, interceptors) eagerly: a run that fails at once took 336-372 ms with it
 * and 265-300 ms without (README: Scale). These files are what the index itself re-exports, so the
 * classes and errors are the same objects (test/unit/undici-core.test.ts checks that against the
 * index), and package.json pins undici's exact version because these paths are not its public API.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const load = createRequire(import.meta.url);

const Dispatcher = load('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher;
// What undici's index does on load: every dispatcher gets request, stream, pipeline, upgrade and
// connect. pgsweep calls request; undici's own ProxyAgent calls connect.
Object.assign(Dispatcher.prototype, load('undici/lib/api/index.js'));

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;

export const EnvHttpProxyAgent = load(
  'undici/lib/dispatcher/env-http-proxy-agent.js',
) as typeof Undici.EnvHttpProxyAgent;

export const errors = load('undici/lib/core/errors.js') as typeof Undici.errors;
