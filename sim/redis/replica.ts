// The replica side of replication: the master it follows, connecting and the handshake, the PSYNC
// request and what each answer does (+FULLRESYNC, +CONTINUE with or without a new id, errors),
// loading the snapshot (to disk then load, or from the socket as repl-diskless-load says), applying
// and proxying the stream, ACKs, the cached master, and the cron.

import { SYN_GIVE_UP_US, type Socket, type SocketHandler } from '../net/network.js';
import type { NodeContext } from './context.js';
import type { RedisConfig } from './config.js';
import type { ReplicationIdentity } from './identity.js';
import type { RedisHooks } from './hooks.js';
import type { FailoverState } from './failover.js';
import type { StreamEntry } from './backlog.js';
import { type MasterSide, emitStream } from './master.js';
import { type ToMaster, type ToReplica, toMasterBytes } from './link.js';
import { loadDurationUs, RDB_FILENAME, type RdbSnapshot, type ReplInfo } from './rdb.js';
import { dataCommand, parseDb, type CommandSpec } from './commands.js';
import { commandName } from './resp.js';

export type ReplState = 'none' | 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';

export interface MasterLink {
  sock: Socket;
  replid: string;
  /** Applied offset. */
  reploff: number;
  /** Bytes read (includes a MULTI not yet executed). */
  readReploff: number;
  /** The db the stream currently addresses. */
  db: number;
  lastInteractionUs: number;
  /** Entries of a MULTI from the master, held until EXEC. */
  multi: StreamEntry[] | null;
}

/** What the next PSYNC asks for: the history this node has, up to reploff. */
export interface CachedMaster {
  replid: string;
  reploff: number;
  db: number;
}

export type HandshakeStep = 'connecting' | 'ping' | 'replconf' | 'psync' | 'transfer';

export interface Handshake {
  sock: Socket;
  step: HandshakeStep;
  pendingReplies: number;
  lastIoUs: number;
  full: { replid: string; offset: number } | null;
  /** Messages that arrived while the snapshot was loading. */
  queued: ToReplica[];
  /** How the payload is read, decided at its first bytes; null before. */
  load: PayloadLoad | null;
}

/** readSyncBulkPayload(): the payload goes to disk first, or is loaded as it arrives (diskless load). */
export interface PayloadLoad {
  diskless: boolean;
  /** repl-diskless-load swapdb: the old dataset stays until the new one has loaded. */
  swap: boolean;
  /** An EOF-marked (diskless) transfer: the first ACK goes out as soon as the load is done. */
  eof: boolean;
  startUs: number;
  /** The last byte arrived (the load may still be finishing). */
  received: boolean;
  /** The master closed the connection after the last byte: noticed once the load is done. */
  closedDuringLoad: boolean;
}

/** What the replica side needs of the node it is part of. */
export interface ReplicaHost {
  readonly ctx: NodeContext;
  readonly cfg: RedisConfig;
  readonly identity: ReplicationIdentity;
  readonly hooks: Readonly<RedisHooks>;
  readonly masterSide: MasterSide;
  readonly alive: boolean;
  readonly loading: boolean;
  readonly failover: FailoverState;
  startLoad(snapshot: RdbSnapshot, durationUs: number, done: () => void): void;
  /** A diskless load begins: `async` keeps serving the old data (async_loading), else loading. */
  beginSocketLoad(flush: boolean, async: boolean): void;
  finishSocketLoad(snapshot: RdbSnapshot, durationUs: number, done: () => void): void;
  readonly asyncLoading: boolean;
  readonly keyCount: number;
  readonly persistenceOff: boolean;
  abortLoad(): void;
  execData(spec: CommandSpec, args: string[], db: number, fromMaster: boolean): unknown;
  /** Run a transaction from the master as one unit for the AOF (MULTI/EXEC around it when it changed more than one key). */
  asAofUnit(run: () => void): void;
  failoverPsyncAnswered(accepted: boolean): void;
  observe(why: string): void;
  readonly pubsub: { publish(channel: string, message: string): number };
}

export class ReplicaSide {
  /** The master this node replicates, or null for a master. */
  masterHost: string | null = null;
  replState: ReplState = 'none';
  /** When the master link was lost (repl_down_since), 0 while connected or never linked. */
  downSinceUs = 0;
  link: MasterLink | null = null;
  cachedMaster: CachedMaster | null = null;
  handshake: Handshake | null = null;
  private readonly ctx: NodeContext;

  constructor(private readonly node: ReplicaHost) {
    this.ctx = node.ctx;
  }

  // ---- role changes ----

  /** replicationUnsetMaster(), replica half: drop the link, the cached master and any handshake. */
  unsetMaster(): void {
    this.masterHost = null; // first, so that dropping the link does not reconnect
    this.dropLink(false, true);
    this.cachedMaster = null;
    this.cancelHandshake(true);
    this.replState = 'none';
    this.downSinceUs = 0;
  }

  /** replicationSetMaster(), up to connecting: a master caches itself, a replica its old link. */
  setMaster(host: string, wasMaster: boolean): void {
    this.masterHost = host;
    this.dropLink(true, true);
    this.cancelHandshake(true);
    if (wasMaster) this.cacheMaster('myself');
  }

  /** Boot from an RDB with replication info: its id and offset are what we ask for. */
  restoreFromRdb(repl: ReplInfo): void {
    this.cacheMaster(repl);
  }

  /**
   * The cached master, built here only: from the lost link (its applied offset), from ourselves on
   * demotion (replicationCacheMasterUsingMyself(): our own id and offset), or from an RDB at boot.
   */
  private cacheMaster(from: MasterLink | 'myself' | ReplInfo): void {
    if (from === 'myself') {
      const m = this.node.masterSide;
      // replicationCreateMasterClient(NULL, -1): a new client's db 0, "the new master will start its
      // replication stream with SELECT" (an RDB saved before it does records db 0)
      this.cachedMaster = { replid: this.node.identity.replid, reploff: m.offset, db: 0 };
    } else if ('sock' in from) {
      this.cachedMaster = { replid: from.replid, reploff: this.node.hooks.cachedMasterOffset(from), db: from.db };
    } else this.cachedMaster = { replid: from.replId, reploff: from.replOffset, db: from.replStreamDb };
  }

  emitRole(): void {
    this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.role', node: this.ctx.name, role: this.masterHost === null ? 'master' : 'slave', master_host: this.masterHost });
  }

  private emitLink(status: 'up' | 'down'): void {
    this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.link', node: this.ctx.name, master_host: this.masterHost, status, master_repl_offset: this.node.masterSide.offset, replid: this.node.identity.replid });
    if (status === 'up') this.node.observe('link-up');
  }

  // ---- connecting and the handshake ----

  private send(sock: Socket, m: ToMaster): void {
    if (sock.state === 'open' && sock.alive) this.ctx.send(sock, m, toMasterBytes(m));
  }

  private sendCmd(sock: Socket, ...args: string[]): void {
    this.send(sock, { k: 'cmd', args });
  }

  /** REPLICAOF took effect: connect now, and tell the trace the role. */
  startConnecting(): void {
    this.replState = 'connect';
    this.emitRole();
    this.connectWithMaster();
  }

  /** connectWithMaster(). An unknown host behaves like a closed port: the attempt fails, retried each second. */
  private connectWithMaster(): void {
    const host = this.masterHost;
    if (host === null || !this.ctx.hostExists(host)) return;
    this.replState = 'connecting';
    const handler: SocketHandler = {
      onOpen: (s) => this.onOpen(s),
      onMessage: (s, payload) => this.onMessage(s, payload as ToReplica),
      onClose: (s) => this.onClose(s),
    };
    // a non-blocking connect: the kernel retries the SYN for minutes; replicationCron gives up first
    // ("Timeout connecting to the MASTER...", repl-timeout in whole seconds: 6.05 s measured at 5)
    const sock = this.ctx.connect(host, handler, SYN_GIVE_UP_US);
    this.handshake = { sock, step: 'connecting', pendingReplies: 0, lastIoUs: this.ctx.nowUs(), full: null, queued: [], load: null };
  }

  private current(sock: Socket): boolean {
    return this.node.alive && ((this.handshake !== null && this.handshake.sock === sock) || (this.link !== null && this.link.sock === sock));
  }

  private onOpen(sock: Socket): void {
    if (!this.current(sock)) return;
    const hs = this.handshake!;
    hs.step = 'ping';
    hs.lastIoUs = this.ctx.nowUs();
    this.replState = 'handshake';
    this.sendCmd(sock, 'PING');
  }

  private onClose(sock: Socket): void {
    if (!this.current(sock)) return;
    if (this.link !== null && this.link.sock === sock) return this.handleMasterLinkLost(true, false);
    // the whole payload is in: the load runs to its end (a disk load blocks the process; a socket
    // load has read the bytes before the EOF), then the new master client reads the EOF and is cached
    const load = this.handshake?.load;
    if (load?.received) {
      load.closedDuringLoad = true;
      return;
    }
    // readSyncBulkPayload() losing the connection cancels with reconnect (cancelReplicationHandshake(1)):
    // a replica dropped during its transfer, e.g. for the output-buffer limit, asks again at once;
    // an error earlier in the handshake waits for the cron
    const inTransfer = this.handshake?.step === 'transfer';
    this.cancelHandshake(false);
    if (inTransfer && this.replState === 'connect') this.connectWithMaster();
  }

  /** Abort a handshake or transfer in progress; the cron retries within a second. */
  private cancelHandshake(closeSocket: boolean): void {
    const hs = this.handshake;
    if (!hs) return;
    this.handshake = null;
    if (closeSocket) this.ctx.close(hs.sock);
    if (this.masterHost !== null) this.replState = 'connect';
    if (this.node.loading || this.node.asyncLoading) this.node.abortLoad();
  }

  /** Whether the payload is still arriving into a diskless load (its chunks are read, not queued). */
  private readingSocketLoad(hs: Handshake): boolean {
    return hs.load !== null && hs.load.diskless && !hs.load.received;
  }

  private onMessage(sock: Socket, m: ToReplica): void {
    if (!this.current(sock)) return;
    const now = this.ctx.nowUs();
    const hs = this.handshake;
    if (hs !== null && (this.node.loading || this.node.asyncLoading) && !this.readingSocketLoad(hs)) {
      hs.queued.push(m);
      return;
    }
    if (this.link !== null) {
      this.link.lastInteractionUs = now;
      if (m.k === 'entry') this.applyEntry(m.entry, m.skip);
      return;
    }
    if (hs === null) return;
    hs.lastIoUs = now;
    if (m.k === 'nl') return;
    if (m.k === 'rdb') {
      if (hs.step !== 'transfer') return;
      if (hs.load === null) this.payloadStarts(hs, m.eof === true);
      if (m.snapshot) this.loadSnapshot(m.snapshot);
      return;
    }
    if (m.k !== 'reply') return;
    const text = m.text;
    switch (hs.step) {
      case 'ping':
        if (!text.startsWith('+') && !text.startsWith('-NOAUTH') && !text.startsWith('-NOPERM')) return this.cancelHandshake(true);
        hs.step = 'replconf';
        hs.pendingReplies = 2;
        this.sendCmd(sock, 'REPLCONF', 'listening-port', '6379');
        this.sendCmd(sock, 'REPLCONF', 'capa', 'eof', 'capa', 'psync2');
        return;
      case 'replconf':
        if (--hs.pendingReplies > 0) return;
        hs.step = 'psync';
        this.sendPsync(sock);
        return;
      case 'psync':
        this.onPsyncReply(sock, text);
        return;
      default:
        return;
    }
  }

  // ---- PSYNC and its answers ----

  private sendPsync(sock: Socket): void {
    const cm = this.cachedMaster;
    const args = cm ? ['PSYNC', cm.replid, String(cm.reploff + 1)] : ['PSYNC', '?', '-1'];
    if (this.node.failover.state === 'failover-in-progress') args.push('FAILOVER');
    this.sendCmd(sock, ...args);
  }

  private onPsyncReply(sock: Socket, text: string): void {
    const node = this.node;
    const hs = this.handshake!;
    const parts = text.slice(1).split(' ');
    if (text.startsWith('+FULLRESYNC')) {
      const offset = Number(parts[2]);
      hs.full = { replid: parts[1] ?? '', offset: Number.isFinite(offset) ? offset : -1 };
      hs.step = 'transfer';
      this.replState = 'transfer';
      node.failoverPsyncAnswered(true);
      return;
    }
    if (text.startsWith('+CONTINUE')) {
      const cm = this.cachedMaster!;
      const newId = parts[1];
      if (newId && newId.length === 40 && newId !== cm.replid) {
        node.identity.continueWithNewId(cm.replid, newId);
        cm.replid = newId;
        if (node.hooks.dropSubReplicasOnNewId()) node.masterSide.disconnectReplicas('master changed replication id');
      }
      this.handshake = null;
      this.cachedMaster = null;
      this.link = { sock, replid: cm.replid, reploff: cm.reploff, readReploff: cm.reploff, db: cm.db, lastInteractionUs: this.ctx.nowUs(), multi: null };
      this.replState = 'connected';
      this.downSinceUs = 0;
      if (node.masterSide.backlog === null) node.masterSide.createBacklog();
      this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.sync', node: this.ctx.name, master: sock.remote, kind: 'continue', replid: node.identity.replid, offset: node.masterSide.offset });
      this.emitLink('up');
      node.failoverPsyncAnswered(true);
      return;
    }
    // -NOMASTERLINK, -LOADING, or an error: try again later, keeping the cached master
    node.failoverPsyncAnswered(false);
    this.cancelHandshake(true);
  }

  /**
   * The first bytes of the payload (useDisklessLoad()): swapdb, or on-empty-db with no keys, load
   * from the socket as the bytes arrive; otherwise they go to a file that is loaded at the end.
   */
  private payloadStarts(hs: Handshake, eof: boolean): void {
    const mode = this.node.cfg['repl-diskless-load'];
    const diskless = mode === 'swapdb' || (mode === 'on-empty-db' && this.node.keyCount === 0);
    const swap = diskless && mode === 'swapdb';
    hs.load = { diskless, swap, eof, startUs: this.ctx.nowUs(), received: false, closedDuringLoad: false };
    if (!diskless) return;
    if (!swap) this.attachToNewMaster();
    // swapdb serves the old data while loading only when the master's id is already ours
    this.node.beginSocketLoad(!swap, swap && hs.full !== null && hs.full.replid === this.node.identity.replid);
  }

  /** replicationAttachToNewMaster(): no cached master, sub-replicas resync, no backlog to serve. */
  private attachToNewMaster(): void {
    this.cachedMaster = null;
    this.node.masterSide.disconnectReplicas('full sync from master');
    this.node.masterSide.freeBacklog();
  }

  /** The whole snapshot arrived: written to disk and loaded, or the diskless load finishes. */
  private loadSnapshot(snapshot: RdbSnapshot): void {
    const load = this.handshake!.load!;
    load.received = true;
    const durationUs = loadDurationUs(snapshot.sizeBytes);
    if (load.diskless) {
      // the load ran while the bytes arrived; what the parser has not caught up with is left
      const leftUs = Math.max(100, load.startUs + durationUs - this.ctx.nowUs());
      this.node.finishSocketLoad(snapshot, leftUs, () => {
        if (load.swap) this.attachToNewMaster();
        this.finishFullSync(snapshot);
      });
      return;
    }
    this.attachToNewMaster();
    this.ctx.disk.write(RDB_FILENAME, snapshot, snapshot.sizeBytes);
    this.node.startLoad(snapshot, durationUs, () => this.finishFullSync(snapshot));
  }

  private finishFullSync(snapshot: RdbSnapshot): void {
    const m = this.node.masterSide;
    const hs = this.handshake!;
    const full = hs.full!;
    this.handshake = null;
    this.link = {
      sock: hs.sock,
      replid: full.replid,
      reploff: full.offset,
      readReploff: full.offset,
      db: snapshot.repl ? snapshot.repl.replStreamDb : 0,
      lastInteractionUs: this.ctx.nowUs(),
      multi: null,
    };
    m.offset = full.offset;
    m.createBacklog();
    this.replState = 'connected';
    this.downSinceUs = 0;
    this.node.identity.adoptAfterFullSync(full.replid);
    this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.sync', node: this.ctx.name, master: hs.sock.remote, kind: 'full', replid: this.node.identity.replid, offset: m.offset });
    this.emitLink('up');
    const cfg = this.node.cfg;
    if (!hs.load!.diskless && cfg['rdb-del-sync-files'] && this.node.persistenceOff) this.ctx.disk.delete(RDB_FILENAME);
    // after an EOF-marked transfer the master streams only once it has this first ACK
    if (hs.load!.eof) this.send(hs.sock, { k: 'ack', offset: this.link.reploff });
    for (const msg of hs.queued) {
      if (this.link === null || this.link.sock !== hs.sock) break;
      this.onMessage(hs.sock, msg);
    }
    if (hs.load!.closedDuringLoad && this.link !== null && this.link.sock === hs.sock) this.handleMasterLinkLost(true, false);
  }

  // ---- the stream ----

  /** Apply one stream entry from the master; only applied bytes move the offset and are proxied. */
  private applyEntry(entry: StreamEntry, skip: number): void {
    const link = this.link!;
    link.readReploff += entry.bytes - skip;
    if (skip > 0) {
      // a stream that starts inside a command is a protocol error: the link is dropped, not cached
      this.handleMasterLinkLost(false, true);
      return;
    }
    const name = commandName(entry.args[0]!);
    if (link.multi !== null) {
      link.multi.push(entry);
      if (name !== 'EXEC') return;
      const tx = link.multi;
      link.multi = null;
      this.node.asAofUnit(() => {
        for (let i = 1; i < tx.length - 1; i++) this.execFromMaster(link, tx[i]!);
      });
      for (const e of tx) {
        link.reploff += e.bytes;
        emitStream(this.ctx, 'redis.applied', link.replid, e);
      }
      this.node.masterSide.proxyApplied(tx);
      return;
    }
    if (name === 'MULTI') {
      link.multi = [entry];
      return;
    }
    this.execFromMaster(link, entry);
    link.reploff += entry.bytes;
    emitStream(this.ctx, 'redis.applied', link.replid, entry);
    this.node.masterSide.proxyOne(entry);
  }

  private execFromMaster(link: MasterLink, entry: StreamEntry): void {
    const args = entry.args as string[];
    const name = commandName(args[0]!);
    if (name === 'SELECT') {
      const db = parseDb(args[1]);
      if (db !== null) link.db = db;
      return;
    }
    if (name === 'PING') return;
    if (name === 'PUBLISH') {
      // a replica delivers its master's PUBLISH to its own subscribers (hello messages reach them so)
      this.node.pubsub.publish(args[1] ?? '', args[2] ?? '');
      return;
    }
    if (name === 'REPLCONF') {
      // GETACK: the ACK reports the offset from before these bytes
      if (commandName(args[1] ?? '') === 'GETACK') this.send(link.sock, { k: 'ack', offset: link.reploff });
      return;
    }
    const spec = dataCommand(name);
    if (!spec) return; // an unknown command from the master is ignored, as propagation-error-behavior ignore does
    this.node.execData(spec, args, link.db, true);
  }

  /** Drop the master link; cache: keep a cached master for PSYNC (not after a protocol error). */
  private dropLink(cache: boolean, closeSocket: boolean): boolean {
    const link = this.link;
    if (!link) return false;
    this.link = null;
    this.downSinceUs = this.ctx.nowUs();
    if (closeSocket) this.ctx.close(link.sock);
    if (cache) this.cacheMaster(link);
    this.emitLink('down');
    return true;
  }

  /** The master link died: drop it, and reconnect unless we are no longer a replica. */
  handleMasterLinkLost(cache: boolean, closeSocket: boolean): void {
    if (!this.dropLink(cache, closeSocket)) return;
    if (this.masterHost !== null) {
      this.replState = 'connect';
      this.connectWithMaster();
    }
  }

  /** The replica half of replicationCron(). */
  cron(): void {
    const hs = this.handshake;
    // a diskless load reads the socket with repl-timeout as its read timeout
    if (this.masterHost === null || ((this.node.loading || this.node.asyncLoading) && !(hs !== null && this.readingSocketLoad(hs)))) return;
    const nowS = Math.floor(this.ctx.nowUs() / 1_000_000);
    const timeoutS = this.node.cfg['repl-timeout'];
    if (hs && nowS - Math.floor(hs.lastIoUs / 1_000_000) > timeoutS) {
      this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.timeout', node: this.ctx.name, what: hs.step === 'transfer' ? 'receiving bulk data from master' : 'connecting to master' });
      this.cancelHandshake(true);
    }
    const link = this.link;
    if (link && nowS - Math.floor(link.lastInteractionUs / 1_000_000) > timeoutS) {
      this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.timeout', node: this.ctx.name, what: 'master: no data nor PING received' });
      this.handleMasterLinkLost(true, true);
    }
    if (this.replState === 'connect') this.connectWithMaster();
    if (this.link) this.send(this.link.sock, { k: 'ack', offset: this.link.reploff });
  }

  /** The sockets this side holds, for a process that exits. */
  sockets(): Socket[] {
    const out: Socket[] = [];
    if (this.link) out.push(this.link.sock);
    if (this.handshake) out.push(this.handshake.sock);
    return out;
  }
}
