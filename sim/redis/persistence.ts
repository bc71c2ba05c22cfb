// Persistence of one Redis process: loading dump.rdb at boot (as replica or as master, with the
// replication aux fields), SAVE/BGSAVE and save points, active expiry, and SHUTDOWN, which waits
// for lagging replicas (sending REPLCONF GETACK) before saving and exiting.

import type { RedisNode, ReplyCallback } from './instance.js';
import { makeSnapshot, replInfoValid, saveDurationUs, RDB_FILENAME, type RdbSnapshot, type ReplInfo } from './rdb.js';
import { DB_COUNT } from './dataset.js';
import { type Reply, OK, err } from './reply.js';
import { PENDING, type Pending } from './dispatch.js';

const TEMP_RDB = 'temp-bgsave.rdb';

/** loadDataFromDisk() at boot: the AOF (aof.ts) with appendonly yes, else dump.rdb. */
export function loadDataFromDisk(node: RedisNode): void {
  // with AOF on only the AOF is read (never dump.rdb), and no replication info is restored
  if (node.cfg.appendonly) {
    node.aofLoadedAtStart = node.aof.load();
    const rdb = node.hooks.aofBootRestoresRdbReplInfo() ? node.ctx.disk.read<RdbSnapshot>(RDB_FILENAME)?.data.repl ?? null : null;
    if (replInfoValid(rdb)) restoreReplInfo(node, rdb);
    return;
  }
  const file = node.ctx.disk.read<RdbSnapshot>(RDB_FILENAME);
  if (!file) return;
  const snap = file.data;
  const nowMs = node.nowMs();
  const m = node.masterSide;
  if (replInfoValid(snap.repl)) node.loadedRepl = snap.repl;
  if (!node.isMaster) {
    node.ds = snap.data.clone();
    node.stats.rdbLastLoadKeysLoaded = node.ds.totalKeys();
    if (replInfoValid(snap.repl)) {
      node.identity.restoreReplid(snap.repl.replId);
      m.offset = snap.repl.replOffset;
      node.replicaSide.restoreFromRdb(snap.repl);
    }
    return;
  }
  // a master creates its backlog before loading, so DELs of keys found expired go into it
  m.createBacklog();
  node.ds = snap.data.clone();
  m.quietStream = true; // offsets are rebased below; the DELs are reported after that
  let expired = 0;
  for (let db = 0; db < DB_COUNT; db++) {
    for (const key of [...node.ds.volatile[db]!]) {
      const e = node.ds.entry(db, key)!;
      if (e.expireAtMs <= nowMs) {
        node.ds.delete(db, key);
        m.feedCommand(db, ['DEL', key]);
        expired++;
      }
    }
  }
  node.stats.rdbLastLoadKeysExpired = expired;
  node.stats.rdbLastLoadKeysLoaded = node.ds.totalKeys();
  const valid = replInfoValid(snap.repl);
  if (valid) {
    node.identity.restoreAsSecondary(snap.repl.replId, snap.repl.replOffset);
    // rebase the DELs just fed onto the restored offset
    m.offset += snap.repl.replOffset;
    m.backlog!.rebase(snap.repl.replOffset);
  }
  // 7.0.15 (redis/redis#12088) frees the backlog whenever the RDB's replication info is not usable,
  // even after DELs of expired keys moved the offset (which stays moved); 7.0.4 freed it only at
  // offset 0. Measured on a real 7.0.15: offset 108, repl_backlog_active 0 (test/real/mismatches)
  if (!valid) m.freeBacklog();
  // the DELs as fed (a trimmed backlog would have lost the first ones), reported once the start
  // event is out (see RedisNode's constructor), rebased like the backlog; with the backlog freed no
  // replica can ever read them
  const fed = m.takeQuietEntries();
  m.quietStream = false;
  if (valid) {
    const base = snap.repl.replOffset;
    node.startupStream = fed.map((e) => ({ ...e, start: e.start + base }));
  }
  m.slaveseldb = -1;
  m.replNoSlavesSinceUs = node.ctx.nowUs();
}

/** The RDB path's restore of the replication info, without loading the RDB's data (a mutant's boot from the AOF). */
function restoreReplInfo(node: RedisNode, repl: ReplInfo): void {
  node.loadedRepl = repl;
  const m = node.masterSide;
  if (!node.isMaster) {
    node.identity.restoreReplid(repl.replId);
    m.offset = repl.replOffset;
    node.replicaSide.restoreFromRdb(repl);
    return;
  }
  m.createBacklog();
  node.identity.restoreAsSecondary(repl.replId, repl.replOffset);
  m.offset = repl.replOffset;
  m.backlog!.rebase(repl.replOffset);
}

/** Fork: the child sees the dataset as it is now; the file appears under its name when it is done. */
export function startBgsave(node: RedisNode, forReplication: boolean, rsi: ReplInfo | null): void {
  node.observe('bgsave');
  const snapshot = makeSnapshot(node.ds.clone(), rsi);
  node.ctx.disk.write(TEMP_RDB, null, 0);
  const timer = node.ctx.timer(saveDurationUs(snapshot.sizeBytes, snapshot.data.totalKeys(), node.cfg['rdb-key-save-delay']), bgsaveDone, node);
  node.bgsave = { forReplication, socket: false, snapshot, timer, startedUs: node.ctx.nowUs() };
  node.dirtyAtBgsave = node.dirty;
}

function bgsaveDone(node: RedisNode): void {
  const bg = node.bgsave;
  if (!bg || !node.alive) return;
  node.bgsave = null;
  node.ctx.disk.write(TEMP_RDB, bg.snapshot, bg.snapshot.sizeBytes);
  node.ctx.disk.rename(TEMP_RDB, RDB_FILENAME);
  node.dirty -= node.dirtyAtBgsave;
  node.lastSaveUs = node.ctx.nowUs();
  node.ctx.trace.emit(saveEvent(node, bg.snapshot, bg.forReplication ? 'bgsave-replication' : 'bgsave'));
  node.masterSide.bgsaveFinished(true);
}

export function killBgsave(node: RedisNode): void {
  const bg = node.bgsave;
  if (!bg) return;
  if (bg.socket) return node.masterSide.killSocketChild();
  node.ctx.cancelTimer(bg.timer);
  node.ctx.disk.delete(TEMP_RDB);
  node.bgsave = null;
}

function saveEvent(node: RedisNode, snap: RdbSnapshot, how: string) {
  return {
    t: node.ctx.nowUs(),
    type: 'redis.save' as const,
    node: node.name,
    how,
    keys: snap.data.totalKeys(),
    repl_id: snap.repl ? snap.repl.replId : null,
    repl_offset: snap.repl ? snap.repl.replOffset : null,
    size_bytes: snap.sizeBytes,
  };
}

/** SAVE: write the snapshot now (the server blocks; virtual time does not move). */
export function saveNow(node: RedisNode, how = 'save'): Reply {
  if (node.bgsave && !node.bgsave.forReplication) return err('ERR Background save already in progress');
  const snap = makeSnapshot(node.ds.clone(), node.replInfoForSave());
  node.ctx.disk.write(RDB_FILENAME, snap, snap.sizeBytes);
  node.dirty = 0;
  node.lastSaveUs = node.ctx.nowUs();
  node.ctx.trace.emit(saveEvent(node, snap, how));
  return OK;
}

export function bgsaveCommand(node: RedisNode): Reply {
  if (node.bgsave) return err('ERR Background save already in progress');
  startBgsave(node, false, node.replInfoForSave());
  return 'Background saving started';
}

/** Save points ("save 3600 1"): BGSAVE when enough changes and seconds have passed. */
export function checkSavePoints(node: RedisNode): void {
  if (node.bgsave || node.dirty === 0) return;
  const elapsedS = (node.ctx.nowUs() - node.lastSaveUs) / 1_000_000;
  for (const [seconds, changes] of node.cfg.save) {
    if (node.dirty >= changes && elapsedS >= seconds) {
      startBgsave(node, false, node.replInfoForSave());
      return;
    }
  }
}

/** Delete expired keys of a master and propagate each deletion as DEL. */
export function activeExpireCycle(node: RedisNode): void {
  const nowMs = node.nowMs();
  for (let db = 0; db < DB_COUNT; db++) {
    const vol = node.ds.volatile[db]!;
    if (vol.size === 0) continue;
    for (const key of [...vol]) {
      const e = node.ds.entry(db, key);
      if (e && e.expireAtMs <= nowMs) {
        node.ds.delete(db, key);
        node.stats.expiredKeys++;
        node.propagateUnit(null, [{ db, args: ['DEL', key] }]);
      }
    }
  }
}

// ---- SHUTDOWN ----

export interface ShutdownState {
  save: boolean;
  pausing: boolean;
  /** shutdown_mstime: serverCron gives up waiting at its first run from this time on. */
  deadlineUs: number;
  cb: ReplyCallback;
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] (prepareForShutdown()): unless every replica, in any state, has
 * acknowledged the whole stream, writes pause, GETACK goes out, and serverCron finishes the shutdown
 * once they have or shutdown-timeout has passed. A replica with sub-replicas waits for them too.
 */
export function shutdownCommand(node: RedisNode, args: string[], cb: ReplyCallback): Reply | Pending {
  let save: boolean | null = null;
  let now = false;
  for (const a of args.slice(1)) {
    const o = a.toUpperCase();
    if (o === 'SAVE' && save === null) save = true;
    else if (o === 'NOSAVE' && save === null) save = false;
    else if (o === 'NOW') now = true;
    else return err('ERR syntax error');
  }
  if (node.shuttingDown) return err('ERR shutdown already in progress');
  const doSave = save ?? node.cfg.save.length > 0;
  const timeoutS = node.cfg['shutdown-timeout'];
  if (!now && timeoutS > 0 && !node.masterSide.allAcked()) {
    if (!node.writesPaused) node.masterSide.requestAcks();
    node.shuttingDown = { save: doSave, pausing: true, deadlineUs: node.ctx.nowUs() + timeoutS * 1_000_000, cb };
    return PENDING;
  }
  node.shuttingDown = { save: doSave, pausing: false, deadlineUs: 0, cb };
  finishShutdown(node);
  return PENDING;
}

/** serverCron(): a shutdown waiting for replicas ends when they all acknowledged or at its deadline. */
export function checkShutdownReady(node: RedisNode): void {
  const s = node.shuttingDown;
  if (!s || !s.pausing) return;
  if (node.ctx.nowUs() >= s.deadlineUs || node.masterSide.allAcked()) finishShutdown(node);
}

function finishShutdown(node: RedisNode): void {
  const s = node.shuttingDown;
  if (!s || !node.alive) return;
  killBgsave(node);
  node.aof.flushAndSync(); // prepareForShutdown(): the AOF is written and fsynced first
  if (s.save) saveNow(node, 'shutdown');
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.stop', node: node.name, how: 'shutdown', saved: s.save });
  node.exit(true);
  s.cb(null);
}
