// The replica side of replication: connecting and the handshake, the PSYNC request and what each
// answer does (+FULLRESYNC, +CONTINUE with or without a new id, -NOMASTERLINK), loading the
// snapshot, applying and proxying the stream, ACKs, the cached master, and the replica half of the cron.

import type { Socket, SocketHandler } from '../net/network.js';
import type { RedisNode } from './instance.js';
import type { StreamEntry } from './backlog.js';
import { type ToMaster, type ToReplica, toMasterBytes } from './link.js';
import { clearReplicationId2, createBacklog, disconnectReplicas, emitReplid, emitStream, freeBacklog, proxyApplied } from './master.js';
import { loadDurationUs, RDB_FILENAME, type RdbSnapshot } from './rdb.js';
import { dataCommand, parseDb } from './commands.js';

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
}

function send(node: RedisNode, sock: Socket, m: ToMaster): void {
  if (sock.state === 'open' && sock.alive) node.ctx.send(sock, m, toMasterBytes(m));
}

function sendCmd(node: RedisNode, sock: Socket, ...args: string[]): void {
  send(node, sock, { k: 'cmd', args });
}

/** connectWithMaster(). An unknown host behaves like a closed port: the attempt fails, retried each second. */
export function connectWithMaster(node: RedisNode): void {
  const host = node.masterHost;
  if (host === null || !node.ctx.hostExists(host)) return;
  node.replState = 'connecting';
  const handler: SocketHandler = {
    onOpen: (s) => onOpen(node, s),
    onMessage: (s, payload) => onMessage(node, s, payload as ToReplica),
    onClose: (s) => onClose(node, s),
  };
  const sock = node.ctx.connect(host, handler, node.cfg['repl-timeout'] * 1_000_000);
  node.handshake = { sock, step: 'connecting', pendingReplies: 0, lastIoUs: node.ctx.nowUs(), full: null, queued: [] };
}

function current(node: RedisNode, sock: Socket): boolean {
  return node.alive && ((node.handshake !== null && node.handshake.sock === sock) || (node.master !== null && node.master.sock === sock));
}

function onOpen(node: RedisNode, sock: Socket): void {
  if (!current(node, sock)) return;
  const hs = node.handshake!;
  hs.step = 'ping';
  hs.lastIoUs = node.ctx.nowUs();
  node.replState = 'handshake';
  sendCmd(node, sock, 'PING');
}

function onClose(node: RedisNode, sock: Socket): void {
  if (!current(node, sock)) return;
  if (node.master !== null && node.master.sock === sock) handleMasterLinkLost(node, true, false);
  else cancelHandshake(node, false);
}

/** Abort a handshake or transfer in progress; the cron retries within a second. */
export function cancelHandshake(node: RedisNode, closeSocket: boolean): void {
  const hs = node.handshake;
  if (!hs) return;
  node.handshake = null;
  if (closeSocket) node.ctx.close(hs.sock);
  if (node.masterHost !== null) node.replState = 'connect';
  if (node.loading) node.abortLoad();
}

function onMessage(node: RedisNode, sock: Socket, m: ToReplica): void {
  if (!current(node, sock)) return;
  const now = node.ctx.nowUs();
  const hs = node.handshake;
  if (hs !== null && node.loading) {
    hs.queued.push(m);
    return;
  }
  if (node.master !== null) {
    node.master.lastInteractionUs = now;
    if (m.k === 'entry') applyEntry(node, m.entry, m.skip);
    return;
  }
  if (hs === null) return;
  hs.lastIoUs = now;
  if (m.k === 'nl') return;
  if (m.k === 'rdb') {
    if (hs.step === 'transfer' && m.snapshot) loadSnapshot(node, m.snapshot);
    return;
  }
  if (m.k !== 'reply') return;
  const text = m.text;
  switch (hs.step) {
    case 'ping':
      if (!text.startsWith('+') && !text.startsWith('-NOAUTH') && !text.startsWith('-NOPERM')) return cancelHandshake(node, true);
      hs.step = 'replconf';
      hs.pendingReplies = 2;
      sendCmd(node, sock, 'REPLCONF', 'listening-port', '6379');
      sendCmd(node, sock, 'REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      return;
    case 'replconf':
      if (--hs.pendingReplies > 0) return;
      hs.step = 'psync';
      sendPsync(node, sock);
      return;
    case 'psync':
      onPsyncReply(node, sock, text);
      return;
    default:
      return;
  }
}

function sendPsync(node: RedisNode, sock: Socket): void {
  const cm = node.cachedMaster;
  const args = cm ? ['PSYNC', cm.replid, String(cm.reploff + 1)] : ['PSYNC', '?', '-1'];
  if (node.failover.state === 'failover-in-progress') args.push('FAILOVER');
  sendCmd(node, sock, ...args);
}

function onPsyncReply(node: RedisNode, sock: Socket, text: string): void {
  const hs = node.handshake!;
  const parts = text.slice(1).split(' ');
  if (text.startsWith('+FULLRESYNC')) {
    const offset = Number(parts[2]);
    hs.full = { replid: parts[1] ?? '', offset: Number.isFinite(offset) ? offset : -1 };
    hs.step = 'transfer';
    node.replState = 'transfer';
    node.failoverPsyncAnswered(true);
    return;
  }
  if (text.startsWith('+CONTINUE')) {
    const cm = node.cachedMaster!;
    const newId = parts[1];
    if (newId && newId.length === 40 && newId !== cm.replid) {
      const prev = cm.replid;
      node.replid2 = cm.replid;
      node.secondReplOffset = node.masterReplOffset + 1;
      node.replid = newId;
      cm.replid = newId;
      emitReplid(node, 'continue-new-id', prev);
      if (node.mutant !== 'sub-replicas-kept-on-new-id') disconnectReplicas(node, 'master changed replication id');
    }
    node.handshake = null;
    node.cachedMaster = null;
    node.master = { sock, replid: cm.replid, reploff: cm.reploff, readReploff: cm.reploff, db: cm.db, lastInteractionUs: node.ctx.nowUs(), multi: null };
    node.replState = 'connected';
    if (node.buffer === null) createBacklog(node);
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.sync', node: node.name, master: sock.remote, kind: 'continue', replid: node.replid, offset: node.masterReplOffset });
    node.emitLink('up');
    node.failoverPsyncAnswered(true);
    return;
  }
  // -NOMASTERLINK, -LOADING, or an error: try again later, keeping the cached master
  node.failoverPsyncAnswered(false);
  cancelHandshake(node, true);
}

/** The snapshot arrived: replicationAttachToNewMaster(), then a load that takes time. */
function loadSnapshot(node: RedisNode, snapshot: RdbSnapshot): void {
  node.cachedMaster = null;
  disconnectReplicas(node, 'full sync from master');
  freeBacklog(node);
  node.ctx.disk.write(RDB_FILENAME, snapshot, snapshot.sizeBytes);
  node.startLoad(snapshot, loadDurationUs(snapshot.sizeBytes), () => finishFullSync(node, snapshot));
}

function finishFullSync(node: RedisNode, snapshot: RdbSnapshot): void {
  const hs = node.handshake!;
  const full = hs.full!;
  node.handshake = null;
  node.master = {
    sock: hs.sock,
    replid: full.replid,
    reploff: full.offset,
    readReploff: full.offset,
    db: snapshot.repl ? snapshot.repl.replStreamDb : 0,
    lastInteractionUs: node.ctx.nowUs(),
    multi: null,
  };
  const prev = node.replid;
  node.replid = full.replid;
  node.masterReplOffset = full.offset;
  clearReplicationId2(node);
  createBacklog(node);
  node.replState = 'connected';
  emitReplid(node, 'full-sync', prev);
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.sync', node: node.name, master: hs.sock.remote, kind: 'full', replid: node.replid, offset: node.masterReplOffset });
  node.emitLink('up');
  if (node.cfg['rdb-del-sync-files'] && node.cfg.save.length === 0) node.ctx.disk.delete(RDB_FILENAME);
  for (const m of hs.queued) {
    if (node.master === null || node.master.sock !== hs.sock) break;
    onMessage(node, hs.sock, m);
  }
}

/** Apply one stream entry from the master; only applied bytes move the offset and are proxied. */
function applyEntry(node: RedisNode, entry: StreamEntry, skip: number): void {
  const link = node.master!;
  link.readReploff += entry.bytes - skip;
  if (skip > 0) {
    // a stream that starts inside a command is a protocol error: the link is dropped, not cached
    handleMasterLinkLost(node, false, true);
    return;
  }
  const name = entry.args[0]!.toUpperCase();
  if (link.multi !== null) {
    link.multi.push(entry);
    if (name !== 'EXEC') return;
    const tx = link.multi;
    link.multi = null;
    for (let i = 1; i < tx.length - 1; i++) execFromMaster(node, link, tx[i]!);
    for (const e of tx) {
      link.reploff += e.bytes;
      emitStream(node, 'redis.applied', link.replid, e);
    }
    proxyApplied(node, tx);
    return;
  }
  if (name === 'MULTI') {
    link.multi = [entry];
    return;
  }
  execFromMaster(node, link, entry);
  link.reploff += entry.bytes;
  emitStream(node, 'redis.applied', link.replid, entry);
  proxyApplied(node, [entry]);
}

function execFromMaster(node: RedisNode, link: MasterLink, entry: StreamEntry): void {
  const args = entry.args as string[];
  const name = args[0]!.toUpperCase();
  if (name === 'SELECT') {
    const db = parseDb(args[1]);
    if (db !== null) link.db = db;
    return;
  }
  if (name === 'PING') return;
  if (name === 'REPLCONF') {
    // GETACK: the ACK reports the offset from before these bytes
    if ((args[1] ?? '').toUpperCase() === 'GETACK') send(node, link.sock, { k: 'ack', offset: link.reploff });
    return;
  }
  const spec = dataCommand(name);
  if (!spec) return; // an unknown command from the master is ignored, as propagation-error-behavior ignore does
  node.execData(spec, args, link.db, true);
}

/** The master link died. cache: keep a cached master for PSYNC (not after a protocol error). */
export function handleMasterLinkLost(node: RedisNode, cache: boolean, closeSocket: boolean): void {
  const link = node.master;
  if (!link) return;
  node.master = null;
  if (closeSocket) node.ctx.close(link.sock);
  if (cache) {
    const off = node.mutant === 'cached-master-read-offset' ? link.readReploff : link.reploff;
    node.cachedMaster = { replid: link.replid, reploff: off, db: link.db };
  }
  node.emitLink('down');
  if (node.masterHost !== null) {
    node.replState = 'connect';
    connectWithMaster(node);
  }
}

/** The replica half of replicationCron(). */
export function replicaCron(node: RedisNode): void {
  if (node.masterHost === null || node.loading) return;
  const nowS = Math.floor(node.ctx.nowUs() / 1_000_000);
  const timeoutS = node.cfg['repl-timeout'];
  const hs = node.handshake;
  if (hs && nowS - Math.floor(hs.lastIoUs / 1_000_000) > timeoutS) {
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.timeout', node: node.name, what: hs.step === 'transfer' ? 'receiving bulk data from master' : 'connecting to master' });
    cancelHandshake(node, true);
  }
  const link = node.master;
  if (link && nowS - Math.floor(link.lastInteractionUs / 1_000_000) > timeoutS) {
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.timeout', node: node.name, what: 'master: no data nor PING received' });
    handleMasterLinkLost(node, true, true);
  }
  if (node.replState === 'connect') connectWithMaster(node);
  if (node.master) send(node, node.master.sock, { k: 'ack', offset: node.master.reploff });
}
