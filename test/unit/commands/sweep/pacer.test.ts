import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeletePacer, SLOW_DELETE_MS } from '../../../../src/commands/sweep/pacer.ts';

describe('DeletePacer', () => {
  it('lets up to the window run at once', async () => {
    const pacer = new DeletePacer(3);
    await pacer.acquire();
    await pacer.acquire();
    await pacer.acquire();
    let fourth = false;
    const waiting = pacer.acquire().then(() => {
      fourth = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fourth, false, 'the fourth waits for a slot');
    pacer.release(1, false);
    await waiting;
    assert.equal(fourth, true);
  });

  it('halves the window and pauses on a slow delete, once per pause', async () => {
    let now = 0;
    const pacer = new DeletePacer(16, () => now);
    await pacer.acquire();
    await pacer.acquire();
    pacer.release(SLOW_DELETE_MS + 1, false);
    assert.equal(pacer.currentWindow, 8);
    pacer.release(SLOW_DELETE_MS + 1, false);
    assert.equal(
      pacer.currentWindow,
      8,
      'a second report of the same congestion does not halve again',
    );
    assert.equal(pacer.stats().congestionEvents, 1);
    now += 10_000;
    pacer.congested();
    assert.equal(pacer.currentWindow, 4);
    assert.deepEqual(pacer.stats(), { congestionEvents: 2, minWindow: 4 });
  });

  it('treats a pushed-back answer as congestion even when fast', async () => {
    const pacer = new DeletePacer(4, () => 0);
    await pacer.acquire();
    pacer.release(1, true);
    assert.equal(pacer.currentWindow, 2);
  });

  it('never goes below one, and grows back after a run of fast deletes', async () => {
    let now = 0;
    const pacer = new DeletePacer(2, () => now);
    for (let i = 0; i < 3; i++) {
      now += 10_000;
      pacer.congested();
    }
    assert.equal(pacer.currentWindow, 1);
    now += 10_000;
    for (let i = 0; i < 4; i++) {
      await pacer.acquire();
      pacer.release(1, false);
    }
    assert.equal(pacer.currentWindow, 2);
    for (let i = 0; i < 100; i++) {
      await pacer.acquire();
      pacer.release(1, false);
    }
    assert.equal(pacer.currentWindow, 2, 'never above the configured concurrency');
  });

  it('waits out a pause before letting the next delete go', async () => {
    const pacer = new DeletePacer(4);
    pacer.congested();
    const t = performance.now();
    await pacer.acquire();
    assert.ok(performance.now() - t >= 200, 'paused for about 250 ms');
  });
});
