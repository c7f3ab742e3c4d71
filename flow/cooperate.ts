// Cooperative long computations: a loop that calls `pace()` between units of work hands the
// thread back to the event loop once at least `everyMs` of compute has passed, so timers, input
// and repaints run during training, and an AbortSignal set by them is seen at the next unit.

/**
 * Resolves after the event loop has run other tasks: setImmediate in Node (after the timers and
 * I/O that are due), a MessageChannel message in browsers and workers (not clamped to 4 ms like
 * nested setTimeout), setTimeout(0) elsewhere.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const immediate = g.setImmediate;
    return new Promise((resolve) => { immediate(resolve); });
  }
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    return new Promise((resolve) => {
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
