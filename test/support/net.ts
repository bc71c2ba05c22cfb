// A bare virtual network for net tests: hosts that listen, log what they receive, open and close,
// and a helper that opens a connection and returns both ends. The trace is kept in memory.
import { Scheduler } from '../../sim/kernel/scheduler.js';
import { Rng } from '../../sim/kernel/rng.js';
import { Trace, MemorySink } from '../../sim/kernel/trace.js';
import { Network, type Socket, type SocketHandler } from '../../sim/net/network.js';
import type { LinkParams } from '../../sim/net/links.js';

export type Log = { got: { t: number; from: string; payload: unknown; size: number }[]; closed: { t: number; reason: string }[]; opened: number[] };

export function netHarness(o: { link: LinkParams; seed: number; hosts: string[]; openTimeoutUs: number }) {
  const sched = new Scheduler();
  const sink = new MemorySink();
  const trace = new Trace(sink);
  const net = new Network(sched, new Rng(o.seed).stream('net'), trace, o.link);
  for (const h of o.hosts) net.addHost(h);
  const logs = new Map<string, Log>();
  const logOf = (h: string) => {
    if (!logs.has(h)) logs.set(h, { got: [], closed: [], opened: [] });
    return logs.get(h)!;
  };
  const handler = (h: string): SocketHandler => ({
    onOpen: () => logOf(h).opened.push(sched.nowUs),
    onMessage: (s, p, size) => logOf(h).got.push({ t: sched.nowUs, from: s.remote, payload: p, size }),
    onClose: (_s, r) => logOf(h).closed.push({ t: sched.nowUs, reason: r }),
  });
  const accepted = new Map<string, Socket>();
  for (const h of o.hosts) net.listen(h, (s) => (accepted.set(`${h}<-${s.remote}`, s), handler(h)));
  const open = (from: string, to: string) => {
    const s = net.connect(from, to, handler(from), o.openTimeoutUs);
    sched.runUntilTrue(() => s.state === 'open', sched.nowUs + o.openTimeoutUs);
    if (s.state !== 'open') throw new Error(`connection ${from}->${to} did not open`);
    return { out: s, back: accepted.get(`${to}<-${from}`)! };
  };
  const events = () => sink.lines.map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  return { sched, net, trace, logOf, open, handler, events };
}
