// Preloaded into a CLI under test (NODE_OPTIONS=--import=<this file>): moves this process's wall
// clock by TEST_CLOCK_SHIFT_MS, so a test can give pgsweep a clock that disagrees with a real
// gateway's on the same host.
const shift = Number(process.env.TEST_CLOCK_SHIFT_MS ?? '0');
const realNow = Date.now;
Date.now = () => realNow() + shift;
