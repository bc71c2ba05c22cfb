// Every event a run can put in its trace, as one tagged union. Bump TRACE_VERSION (kernel/trace.ts)
// when a field changes meaning. `t` is the simulated time in microseconds.

export type NetCloseReason = 'closed' | 'reset' | 'refused' | 'timeout' | 'crash';

export type NetEvent =
  | { t: number; type: 'net.connect'; conn: number; from: string; to: string }
  | { t: number; type: 'net.open'; conn: number; from: string; to: string }
  | { t: number; type: 'net.close'; conn: number; host: string; peer: string; reason: NetCloseReason }
  | { t: number; type: 'net.partition'; blocked: [string, string][] }
  | { t: number; type: 'net.heal'; unblocked: [string, string][] }
  | { t: number; type: 'net.link'; between: [string, string] | null; latencyUs: number; jitterUs: number; loss: number; bandwidthBytesPerSec: number }
  | { t: number; type: 'host.crash'; host: string }
  | { t: number; type: 'host.restart'; host: string };

/** Free-form events for tests and user extensions. */
export type CustomEvent = { t: number; type: `x.${string}`; [field: string]: unknown };

export type TraceEvent = NetEvent | CustomEvent;
