// The trace of a run: typed events (sim/trace-events.ts), a running hash over every event so two
// runs compare by one string, listeners (properties, the CLI) and optional streaming sinks.
// The hash reads the event's fields directly (event-hash.ts); JSON is made only for a sink.

import type { TraceEvent } from '../trace-events.js';
import { EventHash } from './event-hash.js';

/**
 * 3: as 2, with stream entries' `h` and datasets' `digest` computed anew (a long string through its
 * 64-bit digest; code units two to a word). 2: the hash of the events' values, field by field (1
 * hashed their JSON lines).
 */
export const TRACE_VERSION = 3;

/** Receives each trace line as it is produced (JSON Lines, no trailing newline). */
export interface TraceSink {
  write(line: string): void;
}

export type TraceListener = (event: TraceEvent) => void;

export class Trace {
  private readonly hash = new EventHash();
  private readonly listeners: TraceListener[] = [];
  private readonly sinks: TraceSink[] = [];
  /** Number of events emitted. */
  count = 0;

  constructor(sink?: TraceSink) {
    if (sink) this.sinks.push(sink);
  }

  addSink(sink: TraceSink): void {
    this.sinks.push(sink);
  }

  /** Subscribe to every event; listeners are called in subscription order. */
  subscribe(listener: TraceListener): void {
    this.listeners.push(listener);
  }

  emit(event: TraceEvent): void {
    this.count++;
    this.hash.update(event);
    if (this.sinks.length > 0) {
      const line = JSON.stringify(event);
      for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.write(line);
    }
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i]!(event);
  }

  /** Hash of every event so far: equal for two runs iff (barring collisions) their traces are equal. */
  digest(): string {
    return `v${TRACE_VERSION}-${this.hash.digest()}`;
  }
}

/** A sink that keeps lines in memory (tests, small runs). */
export class MemorySink implements TraceSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}
