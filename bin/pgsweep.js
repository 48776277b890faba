#!/usr/bin/env node
// Heap settings first, before the sweep allocates anything (see src/heap.ts).
import { tuneHeap } from '../dist/heap.js';

tuneHeap();
await import('../dist/cli.js');
