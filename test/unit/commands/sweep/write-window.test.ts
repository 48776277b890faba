import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteWindow } from '../../../../src/commands/sweep/write-window.ts';
import type { BarrierOutcome } from '../../../../src/gateway/client.ts';

/** A barrier the test answers by hand, recording how many writes were unconfirmed at each. */
function manualBarrier() {
  const answers: Array<(o: BarrierOutcome) => void> = [];
  return {
    answers,
    barrier: () => new Promise<BarrierOutcome>((resolve) => answers.push(resolve)),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Runs `total` writes through the window with `workers` in parallel, each answered 202. */
function writers(window: WriteWindow, total: number, workers: number, onStart: () => void) {
  let next = 0;
  return Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        next++;
        await window.acquire();
        onStart();
        await tick();
        window.written(true);
      }
    }),
  );
}

describe('WriteWindow', () => {
  it('never lets more than the limit of writes go unconfirmed while a barrier is stalled', async () => {
    const { answers, barrier } = manualBarrier();
    const window = new WriteWindow(barrier, 10, 4);
    let started = 0;
    const done = writers(window, 40, 3, () => started++);
    for (let i = 0; i < 50; i++) await tick();
    assert.equal(started, 10, 'the eleventh write waits for a barrier');
    // Answer barriers one at a time, as a gateway whose writer is slow would.
    while (answers.length > 0 || started < 40) {
      const answer = answers.shift();
      if (!answer) {
        await tick();
        continue;
      }
      answer({ applied: true });
      for (let i = 0; i < 20; i++) await tick();
    }
    await done;
    const drained = window.drain();
    for (let i = 0; i < 20 && answers.length === 0; i++) await tick();
    for (const a of answers.splice(0)) a({ applied: true });
    assert.equal(await drained, true, 'every write proven applied');
    assert.ok(window.barriersSent >= 40 / 10, `${window.barriersSent} barriers`);
  });

  it('sends a barrier every batch of answered writes, not one per write', async () => {
    let barriers = 0;
    const window = new WriteWindow(
      async () => {
        barriers++;
        return { applied: true };
      },
      500,
      250,
    );
    let started = 0;
    await writers(window, 1000, 16, () => started++);
    assert.equal(await window.drain(), true);
    assert.equal(started, 1000);
    assert.ok(barriers >= 4 && barriers <= 6, `${barriers} barriers for 1000 writes`);
  });

  it('opens up and reports why when the gateway answers a barrier without applying it', async () => {
    const window = new WriteWindow(
      async () => ({ applied: false, why: 'answered 202', queued: true }),
      5,
      2,
    );
    let started = 0;
    await writers(window, 30, 4, () => started++);
    assert.equal(started, 30, 'writes are not held back once barriers are known not to work');
    assert.equal(await window.drain(), false, 'nothing is proven applied');
    assert.equal(window.unusable, 'answered 202');
  });

  it('treats a barrier that throws as unusable', async () => {
    const window = new WriteWindow(
      async () => {
        throw new Error('connection reset');
      },
      2,
      1,
    );
    await writers(window, 5, 1, () => {});
    assert.equal(await window.drain(), false);
    assert.equal(window.unusable, 'connection reset');
  });

  it('has nothing to prove when no write was queued', async () => {
    const window = new WriteWindow(async () => {
      throw new Error('no barrier should be sent');
    });
    await window.acquire();
    window.written(false);
    assert.equal(await window.drain(), true);
    assert.equal(window.barriersSent, 0);
  });

  it('lets a waiting writer go when the stop signal fires', async () => {
    const { barrier } = manualBarrier();
    const window = new WriteWindow(barrier, 1, 1);
    await window.acquire();
    window.written(true);
    const stop = new AbortController();
    let through = false;
    const waiting = window.acquire(stop.signal).then(() => {
      through = true;
    });
    await tick();
    assert.equal(through, false);
    stop.abort();
    await waiting;
    assert.equal(through, true);
  });
});
