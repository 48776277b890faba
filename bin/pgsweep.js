#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --max-old-space-size=512
// Memory: Node's documented heap options, kept here where operators see them (docs/scale.md).
// A small young generation and a bounded old one keep a 100k-group sweep near 130-150 MiB on
// Node 20 and 22; the old-space limit leaves room for --max-groups' default of 500,000 stale groups.
// MALLOC_MMAP_THRESHOLD_ (glibc, mallopt(3)) fixes malloc's threshold at its default, so the large
// blocks V8 frees off its heap go back to the system instead of staying in malloc's pool.
await import('../dist/cli/main.js');
