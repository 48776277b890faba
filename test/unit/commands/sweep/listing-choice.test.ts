import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Archive } from '../../../../src/commands/sweep/archive.ts';
import { chooseListing } from '../../../../src/commands/sweep/first-listing.ts';
import { resolveConfig } from '../../../../src/config/config.ts';
import { parseConfigFile } from '../../../../src/config/config-file.ts';
import { LISTING_MODES } from '../../../../src/wire/listing.ts';
import { usageError } from '../../../support/usage-error.ts';

describe('--listing', () => {
  it('defaults to auto, from flags, env and the config file alike', () => {
    assert.deepEqual(LISTING_MODES, ['auto', 'json', 'text']);
    assert.equal(resolveConfig({ ttl: '2h' }, {}).listing, 'auto');
    assert.equal(resolveConfig({ ttl: '2h' }, { PGSWEEP_LISTING: 'json' }).listing, 'json');
    const file = parseConfigFile('listing: auto\n', 'pgsweep.yaml');
    assert.equal(resolveConfig({ ttl: '2h', listing: 'text' }, {}, file).listing, 'text');
    assert.equal(resolveConfig({ ttl: '2h' }, {}, file).listing, 'auto');
  });

  it('takes --archive-file with auto (the default) and json, not with text', () => {
    assert.equal(resolveConfig({ ttl: '2h', archiveFile: 'a.jsonl' }, {}).listing, 'auto');
    usageError(
      () => resolveConfig({ ttl: '2h', archiveFile: 'a.jsonl', listing: 'text' }, {}),
      /needs --listing json or auto/,
    );
  });
});

describe('chooseListing', () => {
  const archive = {} as Archive;
  it('reads the text page for auto, unless an archive needs the JSON listing, and says why', () => {
    assert.deepEqual(chooseListing({ listing: 'auto' }), { format: 'text' });
    const withArchive = chooseListing({ listing: 'auto', archive });
    assert.equal(withArchive.format, 'json');
    assert.match(withArchive.why ?? '', /--archive-file/);
  });

  it('keeps an explicit choice, and json when none is given', () => {
    assert.deepEqual(chooseListing({ listing: 'json' }), { format: 'json' });
    assert.deepEqual(chooseListing({ listing: 'text' }), { format: 'text' });
    assert.deepEqual(chooseListing({ listing: 'json', archive }), { format: 'json' });
    assert.deepEqual(chooseListing({}), { format: 'json' });
  });
});
