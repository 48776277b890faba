import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupPath } from '../../../src/wire/grouping-key.ts';
import {
  formatRawKey,
  goLossyUtf8,
  hasInvalidUtf8,
  htmlUnescape,
  isLastPushSuccessCrash,
  listedLabelsOf,
  rawGroupPath,
  scanUiPage,
  UiPageScanner,
} from '../../../src/wire/ui-keys.ts';

// Lines as Pushgateway 1.5.1's resources/template.html renders them (tabs included).
const CRASH_ERROR =
  'Error executing template: template: status:77:27: executing &#34;status&#34; at &lt;$metricGroup.LastPushSuccess&gt;: error calling LastPushSuccess: runtime error: index out of range [0] with length 0';

function header(panel: number, badges: string[]): string {
  return [
    '\t<div class="card">',
    `\t\t<div class="card-header" id="group-panel-${panel}">`,
    '\t\t\t<h2 class="mb-0">',
    `\t\t\t\t<button class="btn btn-secondary collapsed" type="button" data-toggle="collapse" data-target="#j-${panel}" aria-expanded="false" aria-controls="j-${panel}">`,
    '\t\t\t\t\t<span class="toggle-icon glyphicon glyphicon-collapse-down"></span>',
    ...badges.map((b) => `\t\t\t\t\t${b}`),
  ].join('\n');
}

function group(panel: number, badges: string[], first: string, second: string): string {
  return [
    header(panel, badges),
    '\t\t\t\t</button><span class="badge badge-pill badge-danger" role="alert">Last push failed!</span>',
    `\t\t\t\t<button class="btn btn-xs btn-danger float-right" onclick="pushgateway.showDelModal(${first}, ${second}, 'group-panel-${panel}', event)">Delete Group</button>`,
    '\t\t\t</h2>',
    '\t\t</div>',
    // A metric panel of the group: its series badges must not be mistaken for the key.
    '\t<div class="card-header" id="metric-panel-99">',
    '\t\t\t<span class="badge badge-warning">job="not-the-key"</span>',
  ].join('\n');
}

function crashedGroup(panel: number, badges: string[]): string {
  return `${header(panel, badges)}\n\t\t\t\t</button><div id="template-error" class="alert alert-danger">${CRASH_ERROR}</div><script>$("#template-error").prependTo("body")</script>\n`;
}

const page = (...parts: string[]) => `<!DOCTYPE html>\n<html>\n${parts.join('\n')}\n</html>\n`;

describe('scanUiPage: Delete buttons', () => {
  it('reads the raw key bytes from the second object', () => {
    const ui = scanUiPage(
      page(
        group(
          1,
          ['<span class="badge badge-warning">job="healthy"</span>'],
          "{ 'job': 'healthy', 'instance': 'a' }",
          "{ 'job': 'aGVhbHRoeQ', 'instance': 'YQ' }",
        ),
        group(5, [], "{ 'job': 'empty', 'instance': '' }", "{ 'job': 'ZW1wdHk', 'instance': '' }"),
      ),
    );
    assert.equal(ui.unreadable, 0);
    assert.deepEqual(
      ui.keys.map((k) => [
        k.panel,
        Object.fromEntries([...k.raw].map(([n, v]) => [n, v.toString()])),
      ]),
      [
        [1, { job: 'healthy', instance: 'a' }],
        [5, { job: 'empty', instance: '' }],
      ],
    );
    assert.equal(ui.templateError, undefined);
    assert.equal(ui.stoppedAt, undefined);
  });

  it('is not fooled by braces and quotes in the escaped first object', () => {
    // Real rendering of v = `a'b"c<d\e\nf&g}h, {`: the first object is JS-escaped, not base64.
    const ui = scanUiPage(
      page(
        group(
          8,
          [],
          "{ 'job': 'esc', 'v': 'a\\u0027b\\u0022c\\u003cd\\\\e\\nf\\u0026g}h, {' }",
          "{ 'job': 'ZXNj', 'v': 'YSdiImM8ZFxlCmYmZ31oLCB7' }",
        ),
      ),
    );
    assert.equal(ui.keys.length, 1);
    assert.equal(ui.keys[0]?.raw.get('v')?.toString('utf8'), 'a\'b"c<d\\e\nf&g}h, {');
  });

  it('keeps bytes that are not UTF-8 exactly (the page itself is not UTF-8 then)', () => {
    const html = page(
      group(5, [], "{ 'job': 'badutf8', 'v': '\u00ff' }", "{ 'job': 'YmFkdXRmOA', 'v': '_w' }"),
    );
    // The gateway writes the raw byte 0xFF into the first object: build the page as latin1 bytes.
    const ui = scanUiPage(Buffer.from(html, 'latin1'));
    const raw = ui.keys[0]?.raw;
    assert.ok(raw);
    assert.deepEqual([...(raw.get('v') ?? [])], [0xff]);
    assert.equal(hasInvalidUtf8(raw), true);
    assert.deepEqual(listedLabelsOf(raw), { job: 'badutf8', v: '\uFFFD' });
  });

  it('counts buttons it cannot read instead of guessing', () => {
    const ui = scanUiPage(
      page(
        group(1, [], "{ 'job': 'x', 'a.b': 'y' }", "{ 'job': 'eA', 'a.b': 'eQ' }"),
        group(2, [], "{ 'job': 'x' }", "{ 'job': 'e+A' }"),
        group(3, [], "{ 'job': 'ok' }", "{ 'job': 'b2s' }"),
      ),
    );
    assert.equal(ui.unreadable, 2);
    assert.deepEqual(
      ui.keys.map((k) => k.raw.get('job')?.toString()),
      ['ok'],
    );
  });

  it('keeps only the buttons asked for, and still counts those it cannot read', () => {
    const scanner = new UiPageScanner((raw) => raw.get('job')?.toString() === 'ok');
    scanner.push(
      Buffer.from(
        page(
          group(1, [], "{ 'job': 'x' }", "{ 'job': 'eA' }"),
          group(2, [], "{ 'job': 'x' }", "{ 'job': 'e+A' }"),
          group(3, [], "{ 'job': 'ok' }", "{ 'job': 'b2s' }"),
        ),
      ),
    );
    const ui = scanner.finish();
    assert.equal(ui.unreadable, 1);
    assert.deepEqual(
      ui.keys.map((k) => k.panel),
      [3],
    );
  });

  it('gives the same result however the page is split into chunks', () => {
    const html = Buffer.from(
      page(
        group(
          1,
          ['<span class="badge badge-warning">job="a"</span>'],
          "{ 'job': 'a' }",
          "{ 'job': 'YQ' }",
        ),
        crashedGroup(2, [
          '<span class="badge badge-warning">job="crash"</span>',
          '<span class="badge badge-info">zone="z"</span>',
        ]),
      ),
    );
    const whole = scanUiPage(html);
    for (const size of [1, 7, 64]) {
      const scanner = new UiPageScanner();
      for (let i = 0; i < html.length; i += size) scanner.push(html.subarray(i, i + size));
      assert.deepEqual(scanner.finish(), whole, `chunks of ${size}`);
    }
  });
});

describe('scanUiPage: the group a template error stops at', () => {
  it('names the group whose LastPushSuccess failed, from its label badges', () => {
    const ui = scanUiPage(
      page(
        group(
          1,
          ['<span class="badge badge-warning">job="healthy"</span>'],
          "{ 'job': 'healthy' }",
          "{ 'job': 'aGVhbHRoeQ' }",
        ),
        crashedGroup(5, [
          '<span class="badge badge-warning">job="crash"</span>',
          '<span class="badge badge-info">zone="z"</span>',
        ]),
      ),
    );
    assert.equal(isLastPushSuccessCrash(ui.templateError), true);
    assert.match(ui.templateError ?? '', /executing "status" at <\$metricGroup\.LastPushSuccess>/);
    assert.deepEqual(ui.stoppedAt, { panel: 5, labels: { job: 'crash', zone: 'z' } });
  });

  it('unescapes HTML in values, including quotes, ampersands and newlines', () => {
    const ui = scanUiPage(
      page(
        crashedGroup(3, [
          '<span class="badge badge-warning">job="esc"</span>',
          '<span class="badge badge-primary">instance=""</span>',
          '<span class="badge badge-info">v="a&#39;b&#34;c&lt;d\\e\nf&amp;g}h&#43;"</span>',
        ]),
      ),
    );
    assert.deepEqual(ui.stoppedAt?.labels, {
      job: 'esc',
      instance: '',
      v: 'a\'b"c<d\\e\nf&g}h+',
    });
  });

  it('gives no exact key when a badge value is not valid UTF-8', () => {
    const html = page(
      crashedGroup(2, [
        '<span class="badge badge-warning">job="crash"</span>',
        '<span class="badge badge-info">v="\u00ff"</span>',
      ]),
    );
    const ui = scanUiPage(Buffer.from(html, 'latin1'));
    assert.equal(ui.stoppedAt?.labels, undefined);
    assert.match(ui.stoppedAt?.problem ?? '', /not valid UTF-8/);
  });

  it('gives no exact key when a badge is named __proto__ (it is not dropped from the key)', () => {
    const ui = scanUiPage(
      page(
        crashedGroup(4, [
          '<span class="badge badge-warning">job="crash"</span>',
          '<span class="badge badge-info">__proto__="y"</span>',
        ]),
      ),
    );
    assert.equal(ui.stoppedAt?.labels, undefined);
    assert.match(ui.stoppedAt?.problem ?? '', /__proto__/);
  });

  it('names no group when the error comes after the group was fully rendered', () => {
    const ui = scanUiPage(
      page(
        group(
          1,
          ['<span class="badge badge-warning">job="a"</span>'],
          "{ 'job': 'a' }",
          "{ 'job': 'YQ' }",
        ),
        `<div id="template-error" class="alert alert-danger">Error executing template: something else</div>`,
      ),
    );
    assert.equal(ui.templateError, 'Error executing template: something else');
    assert.equal(isLastPushSuccessCrash(ui.templateError), false);
    assert.equal(ui.stoppedAt, undefined);
  });
});

describe('goLossyUtf8', () => {
  it('matches what Go encoding/json writes: one U+FFFD per invalid byte', () => {
    assert.equal(goLossyUtf8(Buffer.from([0xff])), '\uFFFD');
    // A truncated 3-byte sequence: Go writes two U+FFFD, TextDecoder only one.
    assert.equal(goLossyUtf8(Buffer.from([0x61, 0xe2, 0x82, 0x62])), 'a\uFFFD\uFFFDb');
    assert.equal(new TextDecoder().decode(Buffer.from([0x61, 0xe2, 0x82, 0x62])), 'a\uFFFDb');
    // Surrogates and overlong forms are invalid in Go too.
    assert.equal(goLossyUtf8(Buffer.from([0xed, 0xa0, 0x80])), '\uFFFD\uFFFD\uFFFD');
    assert.equal(goLossyUtf8(Buffer.from([0xc0, 0x80])), '\uFFFD\uFFFD');
    assert.equal(goLossyUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), '\uFFFD'.repeat(4));
  });

  it('keeps valid UTF-8 as it is', () => {
    for (const text of ['', 'plain', 'ünïcödé', '日本語', '🧹', '\uFFFD literal']) {
      assert.equal(goLossyUtf8(Buffer.from(text, 'utf8')), text);
    }
  });
});

describe('rawGroupPath', () => {
  const raw = (entries: Record<string, number[] | string>) =>
    new Map(
      Object.entries(entries).map(([k, v]) => [
        k,
        typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v),
      ]),
    );

  it('uses groupPath for keys that are valid UTF-8', () => {
    const key = raw({ job: 'a/b', instance: '', zone: 'z1' });
    assert.equal(rawGroupPath(key), groupPath({ job: 'a/b', instance: '', zone: 'z1' }));
  });

  it('writes the exact bytes as base64url when a value is not UTF-8', () => {
    assert.equal(
      rawGroupPath(raw({ v: [0xff], job: 'badutf8' })),
      'metrics/job/badutf8/v@base64/_w',
    );
    assert.equal(
      rawGroupPath(raw({ job: 'j', b: [0xfe, 0x00], a: '', c: 'ok' })),
      'metrics/job/j/a@base64/=/b@base64/_gA/c/ok',
    );
  });

  it('refuses keys without a job or with names a URL cannot carry', () => {
    assert.equal(rawGroupPath(raw({ v: [0xff] })), undefined);
    assert.equal(rawGroupPath(raw({ job: '', v: [0xff] })), undefined);
    assert.equal(rawGroupPath(raw({ job: 'x', 'a-b': [0xff] })), undefined);
  });

  it('formats raw keys for reports, bytes in hex', () => {
    assert.equal(
      formatRawKey(raw({ v: [0xff, 0x41], job: 'badutf8' })),
      '{job="badutf8", v=<bytes ff41>}',
    );
  });
});

describe('htmlUnescape', () => {
  it('undoes the entities html/template writes, and refuses others', () => {
    assert.equal(htmlUnescape('&lt;&gt;&amp;&#34;&#39;&#43;&#x41;'), '<>&"\'+A');
    assert.equal(htmlUnescape('&nbsp;'), undefined);
  });
});
