import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSelector } from '../../../src/core/matchers.ts';
import { MatcherUse, unmatchedWarning, watchedMatchers } from '../../../src/core/unmatched.ts';

describe('unmatched selectors', () => {
  const watched = watchedMatchers(
    [parseSelector('{job="etl"}'), parseSelector('{job="etl_typo"}')],
    [parseSelector('{env="nowhere"}')],
    [{ selector: parseSelector('{job=~"rep.*"}'), ttlMs: 60_000, text: '{job=~"rep.*"}=1m' }],
  );

  it('names each selector, exclude and rule selector that no group matched, in one line', () => {
    const use = new MatcherUse(watched);
    use.see({ job: 'etl', env: 'dev' });
    use.see({ job: 'reports' });
    assert.equal(
      unmatchedWarning(use.unmatched, 2),
      '--selector {job="etl_typo"}, --exclude {env="nowhere"} matched none of the 2 listed groups (a typo?)',
    );
  });

  it('says nothing when every one matched, or when the gateway is empty', () => {
    const use = new MatcherUse(watched.slice(0, 1));
    use.see({ job: 'etl' });
    assert.equal(unmatchedWarning(use.unmatched, 1), undefined);
    assert.equal(unmatchedWarning(new MatcherUse(watched).unmatched, 0), undefined);
  });
});
