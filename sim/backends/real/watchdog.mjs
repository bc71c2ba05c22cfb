// The real backend's cleanup of last resort, and the one routine that removes what a fabric made.
// Run as `node watchdog.mjs STATE_FILE` (detached, own session): polls the tool's pid and, once it is
// gone (even by SIGKILL), removes what the state file lists. Plain JavaScript: starts fast, needs only node.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const POLL_MS = 100;

/** The start time (clock ticks since boot, /proc/PID/stat field 22) of a live process, or null if it is gone or a zombie. */
export function procStart(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

/** Whether a process recorded as { pid, start } still runs (the same process, not a reused pid). */
export function isAlive(proc) {
  return proc !== null && proc.start !== null && procStart(proc.pid) === proc.start;
}

/** The state file's contents, or null when it is missing or unreadable. */
export function readState(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * SIGKILL the recorded processes and everything left inside the namespaces, delete the links and the
 * namespaces, remove the files. What is already gone is skipped, so it can run any number of times.
 * Returns the pids it sent SIGKILL to.
 */
export function reapState(state) {
  const killed = [];
  const kill = (pid) => {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // already gone
    }
  };
  // a redis-server leads its own process group (spawned detached): the group takes its BGSAVE or
  // AOF-rewrite child along, which would otherwise go on writing into a folder being removed
  for (const p of state.pids ?? []) {
    if (!isAlive(p)) continue;
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // not a group leader
    }
    kill(p.pid);
  }
  for (const ns of state.netns ?? []) {
    if (!existsSync(`/run/netns/${ns}`)) continue;
    const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
    for (const line of (r.stdout ?? '').split('\n')) {
      const pid = Number(line);
      if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) kill(pid);
    }
  }
  // a veth pair would outlive its namespace while a process still holds that namespace: delete it here
  for (const link of state.links ?? []) if (existsSync(`/sys/class/net/${link}`)) spawnSync('ip', ['link', 'del', link]);
  for (const ns of state.netns ?? []) if (existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns]);
  for (const f of state.files ?? []) rmSync(f, { recursive: true, force: true, maxRetries: 5 });
  return killed;
}

function watch(file) {
  // own session already (spawned detached); a terminal's signals are not for us
  for (const s of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(s, () => {});
  const tick = () => {
    const state = readState(file);
    if (state === null) {
      if (!existsSync(file)) process.exit(0); // the tool cleaned up and removed it
      setTimeout(tick, POLL_MS);
      return;
    }
    if (isAlive(state.owner)) {
      setTimeout(tick, POLL_MS);
      return;
    }
    reapState(state);
    rmSync(file, { force: true });
    process.exit(0);
  };
  tick();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) watch(process.argv[2]);
