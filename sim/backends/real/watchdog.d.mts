// Types of watchdog.mjs (plain JavaScript so that the watchdog process needs only node).

/** A process as recorded in a state file: its pid and start time, so a reused pid is never taken for it. */
export interface ProcRecord {
  pid: number;
  start: string | null;
}

/** What a fabric created, as its state file lists it. */
export interface FabricState {
  version: 1;
  owner: ProcRecord;
  watchdog: ProcRecord | null;
  pids: ProcRecord[];
  netns: string[];
  links: string[];
  files: string[];
}

export function procStart(pid: number): string | null;
export function isAlive(proc: ProcRecord | null): boolean;
export function readState(file: string): FabricState | null;
export function reapState(state: FabricState): number[];
