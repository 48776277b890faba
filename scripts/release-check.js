#!/usr/bin/env node
// Before a release publishes anything: the tag, package.json, package-lock.json, Chart.yaml
// (version and appVersion) and the chart's default image must all name the same release.
// Usage: scripts/release-check.js --tag v0.1.0 [--owner <GitHub owner>] [--root <repository>]
// Prints the version; in GitHub Actions also writes version, image and charts to $GITHUB_OUTPUT.
// Exit 0 when everything agrees, 1 with one line per problem, 2 on bad arguments.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

let values;
try {
  ({ values } = parseArgs({
    options: { tag: { type: 'string' }, owner: { type: 'string' }, root: { type: 'string' } },
  }));
} catch (err) {
  console.error(`release-check: ${err.message}`);
  process.exit(2);
}
if (!values.tag) {
  console.error('release-check: --tag is required, e.g. --tag v0.1.0');
  process.exit(2);
}
const root = values.root ?? fileURLToPath(new URL('..', import.meta.url));
const read = (path) => readFileSync(join(root, path), 'utf8');

const problems = [];
// SemVer, as npm and Helm both require it; the tag is "v" and the version.
const m = /^v((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?)$/.exec(
  values.tag,
);
if (!m) problems.push(`tag ${values.tag} is not v<major>.<minor>.<patch>[-<pre>]`);
const version = m ? m[1] : values.tag.replace(/^v/, '');

const pkg = JSON.parse(read('package.json'));
if (pkg.version !== version) {
  problems.push(`package.json version is ${pkg.version}, the tag says ${version}`);
}
const lock = JSON.parse(read('package-lock.json'));
if (lock.version !== pkg.version || lock.packages?.['']?.version !== pkg.version) {
  problems.push(`package-lock.json is not at ${pkg.version}: run npm install --package-lock-only`);
}
const chart = parse(read('helm/pgsweep/Chart.yaml'));
if (String(chart.version) !== version) {
  problems.push(`helm/pgsweep/Chart.yaml version is ${chart.version}, the tag says ${version}`);
}
if (String(chart.appVersion) !== version) {
  problems.push(
    `helm/pgsweep/Chart.yaml appVersion is ${chart.appVersion}, the tag says ${version}`,
  );
}

// The chart runs the image this release pushes: ghcr.io/<owner>/pgsweep at appVersion.
const image = parse(read('helm/pgsweep/values.yaml'))?.image ?? {};
const owner = (
  values.owner ??
  /^ghcr\.io\/([^/]+)\//.exec(image.repository ?? '')?.[1] ??
  ''
).toLowerCase(); // GHCR names are lower case; GitHub owners need not be
const wanted = `ghcr.io/${owner}/pgsweep`;
if (!owner || image.repository !== wanted) {
  problems.push(
    `helm/pgsweep/values.yaml image.repository is ${image.repository}, want ${owner ? wanted : 'ghcr.io/<owner>/pgsweep'} (the image this release pushes)`,
  );
}
if (image.tag !== '') problems.push('helm/pgsweep/values.yaml image.tag must be "" (appVersion)');

if (problems.length > 0) {
  for (const p of problems) console.error(`release-check: ${p}`);
  process.exit(1);
}
console.log(version);
if (process.env.GITHUB_OUTPUT) {
  appendFileSync(
    process.env.GITHUB_OUTPUT,
    `version=${version}\nimage=${wanted}\ncharts=oci://ghcr.io/${owner}/charts\n`,
  );
}
