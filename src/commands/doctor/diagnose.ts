/**
 * `pgsweep doctor`: which of the states that break a Pushgateway for everyone are present, and what
 * exactly `--fix` may delete for each (shared/pushgateway-api.md §3.1, §3.4, §4.7, §6, §9).
 * Pure: takes what the gateway answered (health, listing, scrape page, web UI) and returns checks,
 * problems and fix targets. Only never-succeeded groups, and the one group whose empty
 * push_failure_time_seconds family crashes the listing, are ever targets.
 */

import {
  CHECKS,
  type Check,
  type CheckName,
  checkOf,
  type Diagnosis,
  type Problem,
} from '../../core/doctor-report.ts';
import type { ListingObservation, Observations } from './observations.ts';
import {
  collisionProblems,
  crashProblem,
  healthProblems,
  invalidUtf8Problems,
  phantomProblem,
  SCRAPE_UNFIXABLE,
  scrapeProblems,
} from './problems.ts';

/** Whether the web UI page is needed to diagnose what the listing showed. */
export function needsUi(listing: ListingObservation): boolean {
  if (listing.kind === 'crash') return true;
  return listing.kind === 'ok' && listing.groups.result().lossy.length > 0;
}

export function diagnose(obs: Observations): Diagnosis {
  const problems: Problem[] = [...healthProblems(obs.healthy, obs.baseUrl)];
  const unknown = new Map<CheckName, string>();
  if (obs.listing.kind === 'crash') problems.push(crashProblem(obs, obs.listing.detail));
  else if (obs.listing.kind === 'error') {
    problems.push({
      kind: 'listing-error',
      detail: obs.listing.detail,
      unfixable: 'not a known broken state; doctor deletes nothing it cannot name exactly',
    });
  }
  problems.push(...scrapeProblems(obs.scrape, obs.baseUrl));

  if (obs.listing.kind === 'ok') {
    const { phantoms, lossy } = obs.listing.groups.result();
    const collisions = collisionProblems(obs.listing.groups);
    problems.push(...collisions.problems);
    const utf8 = invalidUtf8Problems(lossy, obs.ui);
    problems.push(...utf8.problems);
    problems.push(...utf8.phantoms);
    for (const k of phantoms) {
      if (!collisions.covered.has(k.group)) problems.push(phantomProblem(k));
    }
  } else {
    for (const c of ['collisions', 'phantoms', 'invalid-utf8-keys'] as const) {
      unknown.set(c, 'the listing could not be read');
    }
  }

  // A failing scrape is not a group itself: say whether the groups found explain it.
  const explained = problems.some(
    (p) => (p.kind === 'collision' || p.kind === 'invalid-utf8-key') && p.fix,
  );
  for (const [i, p] of problems.entries()) {
    if (p.kind !== 'scrape-error' || p.unfixable !== SCRAPE_UNFIXABLE) continue;
    problems[i] = {
      ...p,
      unfixable: explained
        ? 'it is not a group itself; it should clear once the groups below are deleted'
        : 'no group doctor may delete explains it (e.g. two groups pushing one metric name with different types, which --push.disable-consistency-check lets through); the error names the series involved',
    };
  }

  const checks: Check[] = CHECKS.map((check) => {
    const why = unknown.get(check);
    if (why !== undefined) return { check, status: 'unknown', detail: why };
    return { check, status: problems.some((p) => checkOf(p.kind) === check) ? 'problem' : 'ok' };
  });
  return { checks, problems };
}
