// How a Redis process sees the world (ARCHITECTURE principle 5): the clock, its random stream,
// timers, connections, its host's disk and the trace. A crash ends the context: timers of a dead
// process never fire, and a restart gets a fresh context over the same disk.

import type { EventId } from '../kernel/scheduler.js';
import type { RngStream } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace.js';
import type { Disk } from '../net/disk.js';
import type { AcceptFn, Socket, SocketHandler } from '../net/network.js';

export interface NodeContext {
  readonly name: string;
  nowUs(): number;
  readonly rng: RngStream;
  readonly disk: Disk;
  readonly trace: Trace;
  timer<A>(delayUs: number, fn: (arg: A) => void, arg: A): EventId;
  cancelTimer(id: EventId): void;
  connect(to: string, handler: SocketHandler, timeoutUs: number): Socket;
  /** `delivered` is called once the peer received the message (if both ends are still alive). */
  send(sock: Socket, payload: unknown, sizeBytes: number, delivered?: (sock: Socket) => void): void;
  close(sock: Socket): void;
  /** Close every socket this process holds (a process exit: the kernel closes each descriptor). */
  closeAll(): void;
  listen(accept: AcceptFn | null): void;
  /** Whether a host by that name exists in the world (REPLICAOF to an unknown name still "works"). */
  hostExists(name: string): boolean;
  /** This process's run_id (40 hex characters, new at every start). */
  readonly runId: string;
  /** CONFIG REWRITE: the settings a restart of this process reads from its config file. */
  rewriteConfig(settings: { replicaof: string | null }): void;
}
