#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=512
// Memory: Node's documented heap options, kept here where operators see them (docs/scale.md).
// A small young generation and a bounded old one keep a 100k-group sweep near 128-160 MiB on
// Node 20 and 22; the old-space limit leaves room for --max-groups' default of 500,000 stale groups.
await import('../dist/cli/main.js');
