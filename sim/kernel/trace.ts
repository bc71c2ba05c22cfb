// The trace of a run: typed events (sim/trace-events.ts), a running hash over every event so two
// runs compare by one string, listeners (properties, the CLI) and an optional streaming sink.
// Events are serialized once, only when a hash or a sink needs them.

import type { TraceEvent } from '../trace-events.js';
import { RunningHash } from './hash.js';

export const TRACE_VERSION = 1;

/** Receives each trace line as it is produced (JSON Lines, no trailing newline). */
export interface TraceSink {
  write(line: string): void;
}

export type TraceListener = (event: TraceEvent) => void;

export class Trace {
  private readonly hash = new RunningHash();
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
    const line = JSON.stringify(event);
    this.hash.update(line);
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.write(line);
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
