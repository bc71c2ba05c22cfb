// The virtual network: hosts by name, TCP-shaped connections between them (per-connection FIFO,
// no loss, duplication or reordering of bytes, only delay), partitions that stall traffic, resets,
// and host crashes after which peers learn of the loss only when they send or time out.

import type { Scheduler } from '../kernel/scheduler.js';
import type { RngStream } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace.js';
import type { NetCloseReason } from '../trace-events.js';
import { Disk } from './disk.js';
import { LinkTable, type LinkParams, type LinkState } from './links.js';

/** What an application attaches to its side of a connection. */
export interface SocketHandler {
  /** The connector's side is established (never called on the accepting side). */
  onOpen?(sock: Socket): void;
  onMessage(sock: Socket, payload: unknown, sizeBytes: number): void;
  /** The connection ended, for the given reason. Not called after the local side closed it. */
  onClose(sock: Socket, reason: NetCloseReason): void;
}

/** Called on the listening host for each new connection; returns the handler for its side. */
export type AcceptFn = (sock: Socket) => SocketHandler;

export type SocketState = 'connecting' | 'open' | 'closed';

const KIND_DATA = 0;
const KIND_FIN = 1;
const KIND_RST = 2;
const KIND_SYN = 3;
const KIND_SYNACK = 4;
const KIND_REFUSED = 5;

/** One thing travelling in one direction of one connection. */
interface Packet {
  pipe: Pipe;
  kind: number;
  payload: unknown;
  sizeBytes: number;
  /** Called when the packet reaches a live peer (a delivery receipt for the sender's bookkeeping). */
  delivered: ((sock: Socket) => void) | null;
}

/** One direction of a connection: everything sent from `src` to `dst`, in order. */
class Pipe {
  lastArrivalUs = 0;
  inFlightBytes = 0;
  /** Held back by a partition; flushed in order on heal. */
  stalled: Packet[] = [];
  constructor(
    readonly src: Socket,
    readonly dst: Socket,
    readonly link: LinkState,
  ) {}
}

export class Socket {
  state: SocketState = 'connecting';
  handler: SocketHandler | null = null;
  /** Direction from this side to the peer (set once the peer side exists). */
  out!: Pipe;
  peer!: Socket;
  /** Host epoch when this socket came to life; a crash makes every older socket dead. */
  epoch: number;

  constructor(
    readonly conn: number,
    readonly host: Host,
    readonly remote: string,
    readonly initiator: boolean,
  ) {
    this.epoch = host.epoch;
  }

  /** True while the socket can still send and receive. */
  get alive(): boolean {
    return this.state !== 'closed' && this.host.up && this.host.epoch === this.epoch;
  }

  /** Bytes this side sent that the peer has not received yet (stalled ones included). */
  get unsentBytes(): number {
    return this.out ? this.out.inFlightBytes : 0;
  }
}

export class Host {
  up = true;
  /** While now < pausedUntilUs the process is stopped (SIGSTOP): arrivals wait, in order, until then. */
  pausedUntilUs = 0;
  epoch = 0;
  listener: AcceptFn | null = null;
  readonly sockets = new Set<Socket>();
  readonly disk = new Disk();
  constructor(readonly name: string) {}
}

export class Network {
  readonly links: LinkTable;
  private readonly hosts = new Map<string, Host>();
  private readonly pipesWithStalls = new Set<Pipe>();
  private nextConn = 1;
  private readonly deliverFn = (p: Packet) => this.deliver(p);
  private readonly connectTimeoutFn = (s: Socket) => this.connectTimedOut(s);

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: RngStream,
    private readonly trace: Trace,
    defaults?: LinkParams,
  ) {
    this.links = new LinkTable(defaults);
  }

  // ---- hosts ----

  addHost(name: string): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} already exists`);
    const h = new Host(name);
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`unknown host ${name}`);
    return h;
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  listen(hostName: string, accept: AcceptFn | null): void {
    this.host(hostName).listener = accept;
  }

  /** kill -9: every socket of the host vanishes without a word to its peers; the disk stays. */
  crashHost(hostName: string): void {
    const h = this.host(hostName);
    if (!h.up) return;
    h.up = false;
    h.epoch++;
    h.listener = null;
    for (const s of h.sockets) s.state = 'closed';
    h.sockets.clear();
    // what the crashed kernel still had to (re)transmit is gone; only bytes already on the wire arrive
    for (const pipe of [...this.pipesWithStalls]) if (pipe.src.host === h) this.dropStalled(pipe);
    this.trace.emit({ t: this.sched.nowUs, type: 'host.crash', host: hostName });
  }

  /** Stop the host's process for durationUs (like SIGSTOP then SIGCONT): deliveries wait until then. */
  pauseHost(hostName: string, durationUs: number): void {
    const h = this.host(hostName);
    h.pausedUntilUs = Math.max(h.pausedUntilUs, this.sched.nowUs + durationUs);
  }

  /** The host is reachable again (a fresh process must listen anew). */
  restartHost(hostName: string): void {
    const h = this.host(hostName);
    if (h.up) return;
    h.up = true;
    this.trace.emit({ t: this.sched.nowUs, type: 'host.restart', host: hostName });
  }

  // ---- connections ----

  /**
   * Open a connection from `from` to `to`. The handler's onOpen fires when it is established;
   * onClose('refused') if nobody listens there, onClose('timeout') if no answer within timeoutUs.
   */
  connect(from: string, to: string, handler: SocketHandler, timeoutUs: number): Socket {
    const h = this.host(from);
    const target = this.host(to);
    if (!h.up) throw new Error(`host ${from} is down and cannot connect`);
    const conn = this.nextConn++;
    const a = new Socket(conn, h, to, true);
    a.handler = handler;
    h.sockets.add(a);
    // the accepting side exists from the start so the pipes are fixed; it becomes live on SYN
    const b = new Socket(conn, target, from, false);
    a.peer = b;
    b.peer = a;
    a.out = new Pipe(a, b, this.links.state(from, to));
    b.out = new Pipe(b, a, this.links.state(to, from));
    this.trace.emit({ t: this.sched.nowUs, type: 'net.connect', conn, from, to });
    this.sched.after(timeoutUs, this.connectTimeoutFn, a);
    this.transmit(a.out, KIND_SYN, null, 0);
    return a;
  }

  /**
   * Send application data. Throws if the socket is not open (a bug in the caller). `delivered`,
   * if given, is called with the sending socket once the peer has received this message.
   */
  send(sock: Socket, payload: unknown, sizeBytes: number, delivered?: (sock: Socket) => void): void {
    if (sock.state !== 'open') throw new Error(`send on a ${sock.state} socket (conn ${sock.conn})`);
    if (!sock.alive) return; // its host crashed: the process is gone, nothing leaves
    this.transmit(sock.out, KIND_DATA, payload, sizeBytes, delivered ?? null);
  }

  /** Close our side: the peer learns of it after everything we sent (a FIN). */
  close(sock: Socket): void {
    if (sock.state === 'closed') return;
    const wasOpen = sock.state === 'open';
    sock.state = 'closed';
    sock.host.sockets.delete(sock);
    this.trace.emit({ t: this.sched.nowUs, type: 'net.close', conn: sock.conn, host: sock.host.name, peer: sock.remote, reason: 'closed' });
    if (wasOpen && sock.host.up) this.transmit(sock.out, KIND_FIN, null, 0);
  }

  /**
   * Kill a connection from outside: both ends get a reset after the latency (partitions hold it).
   * What a partition still holds back on either side is discarded: an aborted connection never
   * sends it (what is already on the wire still arrives, ahead of the reset).
   */
  reset(sock: Socket): void {
    this.dropStalled(sock.out);
    this.dropStalled(sock.peer.out);
    for (const s of [sock, sock.peer]) {
      if (s.state === 'open' && s.alive) this.transmit(s.peer.out, KIND_RST, null, 0);
    }
  }

  // ---- partitions and link changes ----

  /** Block traffic between every pair of groups, both ways. Hosts not named keep their links. */
  partition(groups: string[][]): void {
    const blocked: [string, string][] = [];
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) if (this.links.block(a, b)) blocked.push([a, b]);
      }
    }
    this.trace.emit({ t: this.sched.nowUs, type: 'net.partition', blocked });
  }

  /** `from` can no longer reach `to`; `to` still reaches `from`. */
  partitionOneway(from: string, to: string): void {
    const blocked: [string, string][] = this.links.block(from, to) ? [[from, to]] : [];
    this.trace.emit({ t: this.sched.nowUs, type: 'net.partition', blocked });
  }

  /** Cut one host off from every other host, both ways. */
  isolate(hostName: string): void {
    this.partition([[hostName], this.hostNames().filter((n) => n !== hostName)]);
  }

  /** Remove every partition; stalled traffic resumes in order. */
  heal(): void {
    const unblocked = this.links.unblockAll();
    this.trace.emit({ t: this.sched.nowUs, type: 'net.heal', unblocked });
    this.flushStalls();
  }

  /**
   * Change link parameters for all links, or both directions between two hosts, or (oneway) only
   * from between[0] to between[1].
   */
  setLink(change: Partial<LinkParams>, between?: [string, string], oneway = false): void {
    if (between) {
      this.links.set(change, between[0], between[1]);
      if (!oneway) this.links.set(change, between[1], between[0]);
    } else {
      this.links.set(change);
    }
    const p = between ? this.links.params(between[0], between[1]) : this.links.defaultParams;
    this.trace.emit({ t: this.sched.nowUs, type: 'net.link', between: between ?? null, ...(oneway ? { oneway } : {}), ...p });
  }

  isBlocked(from: string, to: string): boolean {
    return this.links.isBlocked(from, to);
  }

  // ---- internals ----

  private dropStalled(pipe: Pipe): void {
    for (const p of pipe.stalled) pipe.inFlightBytes -= p.sizeBytes;
    pipe.stalled = [];
    this.pipesWithStalls.delete(pipe);
  }

  private transmit(pipe: Pipe, kind: number, payload: unknown, sizeBytes: number, delivered: Packet['delivered'] = null): void {
    const packet: Packet = { pipe, kind, payload, sizeBytes, delivered };
    pipe.inFlightBytes += sizeBytes;
    if (pipe.stalled.length > 0 || this.links.isBlocked(pipe.src.host.name, pipe.dst.host.name)) {
      pipe.stalled.push(packet);
      this.pipesWithStalls.add(pipe);
      return;
    }
    this.schedulePacket(packet);
  }

  private schedulePacket(packet: Packet): void {
    const pipe = packet.pipe;
    let at = this.links.arrivalUs(pipe.link, this.sched.nowUs, packet.sizeBytes, this.rng);
    if (at < pipe.lastArrivalUs) at = pipe.lastArrivalUs; // TCP keeps order: head-of-line blocking
    pipe.lastArrivalUs = at;
    this.sched.at(at, this.deliverFn, packet);
  }

  private flushStalls(): void {
    for (const pipe of [...this.pipesWithStalls]) {
      if (this.links.isBlocked(pipe.src.host.name, pipe.dst.host.name)) continue;
      const packets = pipe.stalled;
      pipe.stalled = [];
      this.pipesWithStalls.delete(pipe);
      for (const p of packets) this.schedulePacket(p);
    }
  }

  private deliver(packet: Packet): void {
    const { pipe, kind } = packet;
    const wake = pipe.dst.host.pausedUntilUs;
    if (wake > this.sched.nowUs && pipe.dst.host.up) {
      // the kernel holds what arrives for a stopped process; it reads it, in order, on waking
      this.sched.at(wake, this.deliverFn, packet);
      return;
    }
    pipe.inFlightBytes -= packet.sizeBytes;
    const src = pipe.src;
    const dst = pipe.dst;
    const now = this.sched.nowUs;

    if (kind === KIND_SYN) {
      if (src.state !== 'connecting' || !src.alive) return; // gave up or crashed meanwhile
      const host = dst.host;
      if (!host.up || !host.listener) {
        this.transmit(dst.out, KIND_REFUSED, null, 0);
        return;
      }
      // the accepting side comes to life now, in its host's current epoch
      const b = dst;
      b.epoch = host.epoch;
      b.state = 'open';
      host.sockets.add(b);
      b.handler = host.listener(b);
      this.transmit(b.out, KIND_SYNACK, null, 0);
      return;
    }
    if (kind === KIND_REFUSED) {
      if (dst.state !== 'connecting' || !dst.alive) return;
      this.finish(dst, 'refused');
      return;
    }
    if (kind === KIND_SYNACK) {
      if (dst.state !== 'connecting' || !dst.alive) {
        // the connector gave up or crashed: the accepting side will learn through a reset
        if (src.alive && src.state === 'open') this.transmit(dst.out, KIND_RST, null, 0);
        return;
      }
      dst.state = 'open';
      this.trace.emit({ t: now, type: 'net.open', conn: dst.conn, from: dst.host.name, to: src.host.name });
      dst.handler?.onOpen?.(dst);
      return;
    }
    if (!dst.alive) {
      // arrives at a closed or crashed socket: data and FIN there are answered with a reset
      if (kind !== KIND_RST && src.alive && src.state === 'open' && dst.host.epoch !== dst.epoch) {
        this.transmit(dst.out, KIND_RST, null, 0);
      }
      return;
    }
    if (kind === KIND_DATA) {
      dst.handler?.onMessage(dst, packet.payload, packet.sizeBytes);
      if (packet.delivered && src.alive) packet.delivered(src);
    } else if (kind === KIND_FIN) {
      this.finish(dst, 'closed');
    } else if (kind === KIND_RST) {
      this.finish(dst, 'reset');
    }
  }

  private finish(sock: Socket, reason: NetCloseReason): void {
    sock.state = 'closed';
    sock.host.sockets.delete(sock);
    this.trace.emit({ t: this.sched.nowUs, type: 'net.close', conn: sock.conn, host: sock.host.name, peer: sock.remote, reason });
    sock.handler?.onClose(sock, reason);
  }

  private connectTimedOut(sock: Socket): void {
    if (sock.state !== 'connecting' || !sock.alive) return;
    this.finish(sock, 'timeout');
  }
}
