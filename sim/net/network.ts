// The virtual network: hosts by name, TCP-shaped connections between them (per-connection FIFO,
// no loss, duplication or reordering of bytes, only delay), partitions that stall traffic, resets,
// and host crashes after which peers learn of the loss only when they send or time out. A one-way
// cut stalls the open direction too, once its ACKs are lost (see "one-way cuts" below).

import type { Scheduler } from '../kernel/scheduler.js';
import type { RngStream } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace.js';
import type { NetCloseReason } from '../trace-events.js';
import { Disk } from './disk.js';
import { LinkTable, MIN_RTO_US, linkKey, type LinkParams, type LinkState } from './links.js';

/**
 * The most a sender has in flight without ACKs: the receive window Linux advertised on the real
 * replication links we measured (`ss -ti`: snd_wnd 64512 and 65536 bytes). With its ACKs lost, a
 * connection sends at most this much before it waits.
 */
export const ACKLESS_WINDOW_BYTES = 65_536;

/**
 * How long Linux keeps retrying an unanswered SYN before connect() fails (tcp_syn_retries 6:
 * 1+2+4+8+16+32 s of retries, then 64 s more). An application's own timeout usually comes first.
 */
export const SYN_GIVE_UP_US = 127_000_000;

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
  /** Held back by a partition (or by lost ACKs); flushed in order on heal. */
  stalled: Packet[] = [];
  /** Since when this direction's ACKs are lost (its first unacknowledged byte), or -1. */
  acklessSinceUs = -1;
  /** Delivered while the ACKs were lost: still in the sender's buffer, acknowledged after the heal. */
  unacked: Packet[] = [];
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
  /** What arrived while the process was stopped, in arrival order, until it wakes (Network.deliver()). */
  held: unknown[] | null = null;
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
  /** Pipes whose ACKs are lost (a one-way cut of the reverse direction), in the order they met it. */
  private readonly acklessPipes = new Set<Pipe>();
  /** When each blocked direction was blocked (linkKey -> µs). */
  private readonly blockedSinceUs = new Map<string, number>();
  /** SYNs that reached a listener whose SYN-ACK cannot get back: the handshake completes at the heal. */
  private parkedSyns: Packet[] = [];
  private readonly ackFn = (a: { pipe: Pipe; packets: Packet[] }) => this.acknowledge(a.pipe, a.packets);
  private nextConn = 1;
  private readonly deliverFn = (p: Packet) => this.deliver(p);
  private readonly wakeFn = (h: Host) => this.wake(h);
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
    this.trace.emit({ t: this.sched.nowUs, type: 'host.pause', host: hostName, until: h.pausedUntilUs });
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
        for (const a of groups[i]!) for (const b of groups[j]!) if (this.block(a, b)) blocked.push([a, b]);
      }
    }
    this.trace.emit({ t: this.sched.nowUs, type: 'net.partition', blocked });
  }

  /**
   * `from` can no longer reach `to`. `to` still reaches `from` as TCP does over such a cut: its
   * connections keep sending only until their ACKs are missed (one retransmission timeout, at most
   * ACKLESS_WINDOW_BYTES), then they stall too; a SYN from `to` reaches `from` but its SYN-ACK does
   * not come back, so no connection opens from either side until the heal.
   */
  partitionOneway(from: string, to: string): void {
    const blocked: [string, string][] = this.block(from, to) ? [[from, to]] : [];
    this.trace.emit({ t: this.sched.nowUs, type: 'net.partition', blocked });
  }

  /** Cut one host off from every other host, both ways. */
  isolate(hostName: string): void {
    this.partition([[hostName], this.hostNames().filter((n) => n !== hostName)]);
  }

  /**
   * Remove every partition; stalled traffic resumes in order, ACKs lost so far arrive (after the
   * latency back), and SYNs whose SYN-ACK was lost complete their handshake.
   */
  heal(): void {
    const unblocked = this.links.unblockAll();
    this.blockedSinceUs.clear();
    this.trace.emit({ t: this.sched.nowUs, type: 'net.heal', unblocked });
    for (const pipe of this.acklessPipes) {
      pipe.acklessSinceUs = -1;
      if (pipe.unacked.length === 0) continue;
      this.sched.after(pipe.dst.out.link.params.latencyUs, this.ackFn, { pipe, packets: pipe.unacked });
      pipe.unacked = [];
    }
    this.acklessPipes.clear();
    this.flushStalls();
    const syns = this.parkedSyns;
    this.parkedSyns = [];
    for (const p of syns) this.sched.at(this.sched.nowUs, this.deliverFn, p);
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

  private block(from: string, to: string): boolean {
    if (!this.links.block(from, to)) return false;
    this.blockedSinceUs.set(linkKey(from, to), this.sched.nowUs);
    return true;
  }

  /**
   * One-way cuts. A direction whose reverse is blocked loses its ACKs: the sender keeps sending new
   * bytes only until its first retransmission timeout (Linux: 200 ms + the round trip, from the
   * first unacknowledged byte) and within ACKLESS_WINDOW_BYTES; after that it only retransmits
   * what the peer already has (measured: cwnd 1, notsent growing), so everything later, FIN
   * included, waits for the heal. A reset is not held by the window (it needs no ACK).
   */
  private acklessMayPass(pipe: Pipe, kind: number, sizeBytes: number): boolean {
    if (kind === KIND_RST || !this.links.isBlocked(pipe.dst.host.name, pipe.src.host.name)) return true;
    const now = this.sched.nowUs;
    if (pipe.acklessSinceUs < 0) {
      // bytes still unacknowledged when the cut came lost their ACK then; otherwise this one is the first
      const cutAt = this.blockedSinceUs.get(linkKey(pipe.dst.host.name, pipe.src.host.name)) ?? now;
      pipe.acklessSinceUs = pipe.inFlightBytes - sizeBytes > 0 ? cutAt : now;
      this.acklessPipes.add(pipe);
    }
    const rtoUs = MIN_RTO_US + pipe.link.params.latencyUs + pipe.dst.out.link.params.latencyUs;
    return now < pipe.acklessSinceUs + rtoUs && pipe.inFlightBytes <= ACKLESS_WINDOW_BYTES;
  }

  /** ACKs that were lost reach the sender after the heal: its buffer drains, delivery receipts fire. */
  private acknowledge(pipe: Pipe, packets: Packet[]): void {
    for (const p of packets) {
      pipe.inFlightBytes -= p.sizeBytes;
      if (p.delivered && pipe.src.alive) p.delivered(pipe.src);
    }
  }

  private dropStalled(pipe: Pipe): void {
    for (const p of pipe.stalled) pipe.inFlightBytes -= p.sizeBytes;
    pipe.stalled = [];
    this.pipesWithStalls.delete(pipe);
  }

  private transmit(pipe: Pipe, kind: number, payload: unknown, sizeBytes: number, delivered: Packet['delivered'] = null): void {
    const packet: Packet = { pipe, kind, payload, sizeBytes, delivered };
    pipe.inFlightBytes += sizeBytes;
    if (pipe.stalled.length > 0 || this.links.isBlocked(pipe.src.host.name, pipe.dst.host.name) || (this.links.anyBlocked && !this.acklessMayPass(pipe, kind, sizeBytes))) {
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

  /**
   * The kernel holds what arrives for a stopped process; the process reads it, in arrival order, on
   * waking, before anything that arrives later (a pause extended while packets wait keeps them
   * waiting, still ahead of what arrives meanwhile).
   */
  private deliver(packet: Packet): void {
    const host = packet.pipe.dst.host;
    if (host.held !== null) {
      (host.held as Packet[]).push(packet);
      return;
    }
    if (host.pausedUntilUs > this.sched.nowUs && host.up) {
      host.held = [packet];
      this.sched.at(host.pausedUntilUs, this.wakeFn, host);
      return;
    }
    this.deliverNow(packet);
  }

  private wake(host: Host): void {
    if (host.pausedUntilUs > this.sched.nowUs && host.up) {
      this.sched.at(host.pausedUntilUs, this.wakeFn, host);
      return;
    }
    const held = host.held as Packet[];
    host.held = null;
    for (const p of held) this.deliverNow(p);
  }

  private deliverNow(packet: Packet): void {
    const { pipe, kind } = packet;
    const src = pipe.src;
    const dst = pipe.dst;
    const now = this.sched.nowUs;
    // data that arrives while the way back is cut is received, but its ACK is lost: the bytes stay
    // in the sender's buffer (and its delivery receipt waits) until the heal
    const ackLost = kind === KIND_DATA && this.links.anyBlocked && dst.alive && this.links.isBlocked(dst.host.name, src.host.name);
    if (ackLost) {
      pipe.unacked.push(packet);
      this.acklessPipes.add(pipe);
    } else pipe.inFlightBytes -= packet.sizeBytes;

    if (kind === KIND_SYN) {
      if (src.state !== 'connecting' || !src.alive) return; // gave up or crashed meanwhile
      if (this.links.anyBlocked && this.links.isBlocked(dst.host.name, src.host.name)) {
        // the SYN-ACK would be lost: the listener's kernel never completes the handshake, so the
        // process accepts nothing; the connector's next SYN after the heal gets through
        this.parkedSyns.push(packet);
        return;
      }
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
      if (!ackLost && packet.delivered && src.alive) packet.delivered(src);
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
