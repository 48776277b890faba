/**
 * Loads a dependency only when a feature needs it. Every package imported up front costs every run
 * start-up time (cron-parser, with luxon inside, alone took about 0.3 s; zod 80 ms) and memory, and
 * most runs use no config file, no schedule and no terminal. All of them ship CommonJS, so a
 * synchronous require works and callers stay synchronous.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const yamlModule = (): typeof import('yaml') => load('yaml') as typeof import('yaml');

export const cronParserModule = (): typeof import('cron-parser') =>
  load('cron-parser') as typeof import('cron-parser');

export const zodModule = (): typeof import('zod') => load('zod') as typeof import('zod');

export const pinoPrettyModule = (): typeof import('pino-pretty') =>
  load('pino-pretty') as typeof import('pino-pretty');

export const re2jsModule = (): typeof import('re2js') => load('re2js') as typeof import('re2js');
