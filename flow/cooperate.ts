// Cooperative long computations: a loop that calls `pace()` between units of work hands the
// thread back to the event loop once at least `everyMs` of compute has passed, so timers, input
// and repaints run during training, and an AbortSignal set by them is seen at the next unit.

/**
 * Resolves after the event loop has run other tasks, the timers that are due among them:
 * setImmediate in Node (it runs after the timers and I/O that are due); in browsers and workers a
 * MessageChannel message and then setTimeout(0). The message alone lets input in but Chromium may
 * keep timers waiting (measured: a 10 ms interval ticked every ~50 ms); a setTimeout chained
 * directly on setTimeout is clamped to 4 ms after five levels, one queued from the message's
 * task is not.
 */
async function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const immediate = g.setImmediate;
    return new Promise((resolve) => { immediate(resolve); });
  }
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    await new Promise<void>((resolve) => {
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A pacer: `pace()` yields when `everyMs` milliseconds have passed since the last yield. */
export function createPacer(everyMs: number): { pace: () => Promise<void> } {
  let last = performance.now();
  return {
    pace: async () => {
      if (performance.now() - last < everyMs) return;
      await yieldToEventLoop();
      last = performance.now();
    },
  };
}
