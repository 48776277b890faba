#!/usr/bin/env node
// V8 settings first, before the sweep allocates or compiles anything (see src/v8-flags.ts).
import { tuneV8 } from '../dist/v8-flags.js';

tuneV8();
await import('../dist/cli.js');
