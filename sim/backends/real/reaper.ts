// Guaranteed cleanup for a fabric: a state file listing what it made (each entry written, atomically,
// before the thing is made), a detached watchdog that removes it all if this process dies (SIGKILL
// included), and exit and signal hooks for the ways this process ends by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../paths.js';
import { isAlive, procStart, readState, reapState, type FabricState, type ProcRecord } from './watchdog.mjs';
import type { FabricInventory } from './fabric.js';

/** Where the state files live: one `<tag>.json` per open fabric. */
export const STATE_DIR = join(tmpdir(), 'replsim-fabric');
// a script of its own (run by node, detached): the same file from the sources and from the build
const WATCHDOG = packagePath('sim', 'backends', 'real', 'watchdog.mjs');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Reaper {
  readonly file: string;
  private readonly state: FabricState;
  private watchdog: ChildProcess | null = null;
  private done = false;

  constructor(readonly tag: string) {
    mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
    this.file = join(STATE_DIR, `${tag}.json`);
    this.state = { version: 1, owner: self(), watchdog: null, pids: [], netns: [], links: [], files: [] };
    this.write();
    this.startWatchdog();
    open.add(this);
    hook();
  }

  get watchdogPid(): number | null {
    return this.state.watchdog?.pid ?? null;
  }

  get closed(): boolean {
    return this.done;
  }

  /** What the state file lists now (a copy). */
  snapshot(): FabricState {
    return structuredClone(this.state);
  }

  addPid(pid: number): void {
    const start = procStart(pid);
    if (start === null || this.state.pids.some((p) => p.pid === pid && p.start === start)) return; // gone already, or known
    this.add(() => this.state.pids.push({ pid, start }));
  }

  addNetns(name: string): void {
    this.add(() => this.state.netns.push(name));
  }

  addLink(name: string): void {
    this.add(() => this.state.links.push(name));
  }

  addFile(path: string): void {
    this.add(() => this.state.files.push(path));
  }

  /**
   * Remove everything listed, then the state file, then stop the watchdog (in that order: a crash
   * in between leaves the watchdog to finish). Synchronous, so an exit hook can use it; idempotent.
   * Returns the pids it sent SIGKILL to.
   */
  reap(): number[] {
    if (this.done) return [];
    this.done = true;
    open.delete(this);
    if (open.size === 0) unhook();
    const killed = reapState(this.state);
    rmSync(this.file, { force: true });
    rmSync(`${this.file}.tmp`, { force: true });
    this.watchdog?.kill('SIGKILL');
    this.watchdog = null;
    return killed;
  }

  private add(change: () => void): void {
    if (this.done) throw new Error(`fabric ${this.tag} is closed`);
    change();
    this.write();
  }

  /** Atomic: a reader (the watchdog) sees the old list or the new one, never half of one. */
  private write(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private startWatchdog(): void {
    // detached: setsid(), its own session and process group, so neither a terminal's Ctrl-C nor a
    // kill of our process group reaches it
    const child = spawn(process.execPath, [WATCHDOG, this.file], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // could not start: close() and the exit hooks still clean up
    child.unref();
    if (child.pid === undefined) return;
    this.watchdog = child;
    this.add(() => (this.state.watchdog = { pid: child.pid!, start: procStart(child.pid!) }));
  }
}

let tagCounter = 0;

/**
 * A tag unique among this machine's live fabrics: this pid (fixed width, base 36) and a counter,
 * skipping any tag whose state file, bridge or namespaces exist. Short: it goes into interface names (15 chars).
 */
export function newTag(): string {
  const pid = process.pid.toString(36).padStart(5, '0').slice(-5);
  for (;;) {
    const tag = `${pid}${(tagCounter++).toString(36)}`;
    if (!existsSync(join(STATE_DIR, `${tag}.json`)) && !existsSync(`/sys/class/net/rsb${tag}`) && !netnsNames().some((n) => n.startsWith(`replsim-${tag}-`))) return tag;
  }
}

/** Wait (up to timeoutMs) until the pids SIGKILL was sent to have exited, so close() leaves nothing running. */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (pids.some((p) => procStart(p) !== null) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

function netnsNames(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

function self(): ProcRecord {
  return { pid: process.pid, start: procStart(process.pid) };
}

/**
 * Remove what fabrics of dead runs left behind when their watchdog died too (a machine-wide kill, an
 * OOM). A file whose owner or watchdog still runs is left alone. Returns how many were reaped.
 */
export function reapStale(): number {
  let reaped = 0;
  let names: string[];
  try {
    names = readdirSync(STATE_DIR);
  } catch {
    return 0;
  }
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = join(STATE_DIR, name);
    const state = readState(file);
    if (state === null || isAlive(state.owner) || isAlive(state.watchdog)) continue;
    reapState(state);
    rmSync(file, { force: true });
    reaped++;
  }
  return reaped;
}

// ---- this process's own endings: exit (normal, or an uncaught exception) and signals ----

const open = new Set<Reaper>();
let hooked = false;

function reapAll(): void {
  for (const r of [...open]) r.reap();
}

const onSignal = (signal: NodeJS.Signals) => {
  reapAll();
  unhook();
  // re-raise, so that the process still ends by the signal (exit 130 / 143 in a shell) unless
  // someone else listens for it and so decides
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', reapAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', reapAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** What every fabric does with its reaper: adopt processes and paths, and say what it holds. */
export abstract class ReapedFabric {
  constructor(protected readonly reaper: Reaper) {}

  adopt(pid: number): void {
    this.reaper.addPid(pid);
  }

  adoptPath(path: string): void {
    this.reaper.addFile(path);
  }

  inventory(): FabricInventory {
    const s = this.reaper.snapshot();
    return { stateFile: this.reaper.file, watchdogPid: this.reaper.watchdogPid, netns: s.netns, links: s.links, pids: s.pids.map((p) => p.pid), files: s.files };
  }
}
