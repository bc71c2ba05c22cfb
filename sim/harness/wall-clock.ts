// The harness's only contact with real time (the lint exempts this file and sim/cli/): the
// wall-clock --timeout of a run, yielding to Node's event loop between in-process seeds so a
// Ctrl-C gets through, and the queue's waits (harness/queue.ts). None changes what a run does.

import { LimitExceeded, formatSimTime } from '../errors.js';

/** A scheduler budget hook that stops the run by throwing once timeoutMs of real time have passed. */
export function wallClockTimeout(timeoutMs: number): (eventsRun: number) => void {
  const deadline = performance.now() + timeoutMs;
  return (events) => {
    if (performance.now() > deadline) {
      throw new LimitExceeded('timeout', 0, `wall-clock timeout: the run took longer than ${formatSimTime(timeoutMs * 1000)} of real time and was stopped after ${events} events. Raise --timeout if it is making progress.`);
    }
  };
}

export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Real milliseconds since an arbitrary start: for intervals only. */
export const wallMs = (): number => performance.now();

export const sleepMs = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
