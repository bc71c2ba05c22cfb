// Redis 7.0's multi-part AOF (appendonly yes): a base file (an RDB preamble, or commands), incremental
// files of commands and a manifest naming them, under appendonlydir/; the fsync policy and its timing,
// the rewrite (BGREWRITEAOF, automatic, and after a replica's full sync) and the load at boot.

import type { RedisNode } from './instance.js';
import type { AppendFsync } from './config.js';
import type { AppendLog } from '../net/disk.js';
import { Dataset, DB_COUNT } from './dataset.js';
import { makeSnapshot } from './rdb.js';
import { dataCommand, parseDb } from './commands.js';
import { commandName, respCommandBytes, selectArgs, MULTI_ARGS, EXEC_ARGS } from './resp.js';
import { type Reply, err } from './reply.js';

export const AOF_DIR = 'appendonlydir';
const AOF_NAME = 'appendonly.aof';
export const AOF_MANIFEST = `${AOF_DIR}/${AOF_NAME}.manifest`;
/** Linux writeback (appendfsync no): the flusher wakes every 5 s and writes pages dirty for 30 s. */
const WRITEBACK_PERIOD_S = 5;
const DIRTY_EXPIRE_US = 30_000_000;

export interface AofFileInfo {
  readonly name: string;
  readonly seq: number;
}

/** appendonly.aof.manifest: the base file and the incremental files, loaded in this order. */
export interface AofManifest {
  readonly base: AofFileInfo | null;
  readonly incrs: readonly AofFileInfo[];
}

/** A base file: the dataset as the rewrite child saw it (RDB preamble or commands). */
export interface AofBase {
  readonly data: Dataset;
  readonly preamble: boolean;
}

const path = (name: string) => `${AOF_DIR}/${name}`;

function manifestText(m: AofManifest): string {
  let s = '';
  if (m.base) s += `file ${m.base.name} seq ${m.base.seq} type b\n`;
  for (const i of m.incrs) s += `file ${i.name} seq ${i.seq} type i\n`;
  return s;
}

/** Bytes of a base file without the RDB preamble: the commands that rebuild the dataset. */
function commandBaseBytes(ds: Dataset): number {
  let n = 0;
  for (let db = 0; db < DB_COUNT; db++) {
    const m = ds.dbs[db]!;
    if (m.size === 0) continue;
    n += respCommandBytes(selectArgs(db));
    for (const [key, e] of m) {
      n += respCommandBytes(typeof e.value === 'string' ? ['SET', key, e.value] : ['RPUSH', key, ...e.value]);
      if (e.expireAtMs) n += respCommandBytes(['PEXPIREAT', key, String(e.expireAtMs)]);
    }
  }
  return n;
}

export type AofState = 'off' | 'on';

export class Aof {
  state: AofState = 'off';
  private manifest: AofManifest = { base: null, incrs: [] };
  /** aof_selected_db: the db of the last command appended to the current incr file. */
  private selectedDb = -1;
  /** aof_last_fsync, in unix seconds. */
  private lastFsyncS = 0;
  private lastWritebackS = 0;
  /**
   * aof_current_size as 7.0.15 keeps it: the files' total at load, 0 on a first start (the base
   * written then is not counted), plus every write, and the new base after a rewrite.
   */
  private currentBytes = 0;
  /** aof_rewrite_base_size (INFO aof_base_size): the base file's size at load, 0 on a first start, the size after a rewrite. */
  private rewriteBaseSize = 0;
  rewriteScheduled = false;
  rewrites = 0;

  constructor(private readonly node: RedisNode) {}

  private get disk() {
    return this.node.ctx.disk;
  }

  private nowS(): number {
    return Math.floor(this.node.nowMs() / 1000);
  }

  /** The policy the model follows: the configured one unless a mutant bends it. */
  private policy(): AppendFsync {
    return this.node.hooks.aofFsyncPolicy(this.node.cfg.appendfsync);
  }

  private incrName(): string {
    return this.manifest.incrs[this.manifest.incrs.length - 1]!.name;
  }

  /** INFO aof_current_size. */
  currentSize(): number {
    return this.currentBytes;
  }

  /** INFO aof_base_size (which is aof_rewrite_base_size). */
  baseSize(): number {
    return this.rewriteBaseSize;
  }

  private baseFileSize(): number {
    return this.manifest.base ? (this.disk.read(path(this.manifest.base.name))?.sizeBytes ?? 0) : 0;
  }

  private filesTotal(): number {
    return this.baseFileSize() + this.manifest.incrs.reduce((n, i) => n + (this.disk.read(path(i.name))?.sizeBytes ?? 0), 0);
  }

  /**
   * loadAppendOnlyFiles() at boot: the base, then every incremental file in order. With AOF on,
   * dump.rdb is never read, and nothing restores a replication id or offset (loadDataFromDisk()
   * takes the RDB branch only with AOF off): the node starts with a fresh replid at offset 0.
   * Returns whether an AOF existed.
   */
  load(): boolean {
    const mf = this.disk.read<AofManifest>(AOF_MANIFEST);
    this.lastFsyncS = this.nowS();
    this.lastWritebackS = this.nowS();
    if (!mf || (!mf.data.base && mf.data.incrs.length === 0)) return false;
    this.manifest = mf.data;
    const node = this.node;
    if (this.manifest.base) {
      const base = this.disk.read<AofBase>(path(this.manifest.base.name));
      if (base) {
        node.ds = base.data.data.clone();
        // rdbLoadRio() of the preamble counts its keys; a base of commands counts none
        if (base.data.preamble) node.stats.rdbLastLoadKeysLoaded = node.ds.totalKeys();
      }
    }
    for (const incr of this.manifest.incrs) {
      const log = this.disk.read<AppendLog<string[]>>(path(incr.name));
      if (log) this.replay(log.data);
    }
    this.currentBytes = this.filesTotal();
    this.rewriteBaseSize = this.baseFileSize();
    return true;
  }

  /** Run the commands of one incremental file; a MULTI without its EXEC (a cut tail) is dropped. */
  private replay(log: AppendLog<string[]>): void {
    let db = 0;
    let tx: { db: number; args: string[] }[] | null = null;
    const run = (d: number, args: string[]) => {
      const spec = dataCommand(commandName(args[0]!));
      if (spec) this.node.execData(spec, args, d, true);
    };
    for (const r of log.records) {
      const args = r.item;
      const name = commandName(args[0]!);
      if (name === 'SELECT') db = parseDb(args[1]) ?? db;
      else if (name === 'MULTI') tx = [];
      else if (name === 'EXEC') {
        for (const op of tx ?? []) run(op.db, op.args);
        tx = null;
      } else if (tx) tx.push({ db, args });
      else run(db, args);
    }
  }

  /**
   * aofOpenIfNeededOnServerStart(): with no AOF at all, a base file of the (empty) dataset is
   * written first; then the last incremental file is opened for appending (a new one if none).
   */
  openOnStart(loaded: boolean): void {
    this.state = 'on';
    if (!this.manifest.base && this.manifest.incrs.length === 0) {
      this.writeBase(1);
      this.manifest = { base: this.manifest.base, incrs: [] };
    }
    if (this.manifest.incrs.length === 0) this.openNewIncr();
    this.persistManifest();
    const node = this.node;
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: 'open', appendfsync: node.cfg.appendfsync, loaded, keys: node.ds.totalKeys() });
  }

  private writeBase(seq: number): void {
    const preamble = this.node.cfg['aof-use-rdb-preamble'];
    const name = `${AOF_NAME}.${seq}.base.${preamble ? 'rdb' : 'aof'}`;
    const data = this.node.ds.clone();
    const size = preamble ? makeSnapshot(data, null).sizeBytes : commandBaseBytes(data);
    this.disk.write<AofBase>(path(name), { data, preamble }, size);
    this.manifest = { base: { name, seq }, incrs: this.manifest.incrs };
  }

  private openNewIncr(): void {
    const last = this.manifest.incrs[this.manifest.incrs.length - 1];
    const seq = last ? last.seq + 1 : (this.manifest.base?.seq ?? 1);
    const name = `${AOF_NAME}.${seq}.incr.aof`;
    this.disk.createLog(path(name));
    this.manifest = { base: this.manifest.base, incrs: [...this.manifest.incrs, { name, seq }] };
    this.selectedDb = -1;
  }

  private persistManifest(): void {
    const text = manifestText(this.manifest);
    this.disk.write(AOF_MANIFEST, this.manifest, text.length);
  }

  // ---- writing ----

  private append(args: readonly string[]): void {
    const bytes = respCommandBytes(args);
    this.disk.append(path(this.incrName()), args, bytes, this.node.ctx.nowUs());
    this.currentBytes += bytes;
  }

  private feedCommand(db: number, args: readonly string[]): void {
    if (db !== this.selectedDb) {
      this.append(selectArgs(db));
      this.selectedDb = db;
    }
    this.append(args);
  }

  /**
   * feedAppendOnlyFile() for one execution unit (wrapped in MULTI/EXEC when it has more than one
   * command), then flushAppendOnlyFile() as beforeSleep runs it before the replies go out: always
   * fsyncs now; everysec fsyncs in the background once the second changed; no leaves it to the OS.
   */
  feedUnit(unit: readonly { db: number; args: readonly string[] }[]): void {
    if (this.state !== 'on' || unit.length === 0) return;
    if (unit.length === 1) this.feedCommand(unit[0]!.db, unit[0]!.args);
    else {
      this.feedCommand(unit[0]!.db, MULTI_ARGS);
      for (const op of unit) this.feedCommand(op.db, op.args);
      this.feedCommand(this.selectedDb, EXEC_ARGS);
    }
    const policy = this.policy();
    if (policy === 'always') this.disk.fsync(path(this.incrName()));
    else if (policy === 'everysec') this.fsyncIfSecondChanged();
  }

  private fsyncIfSecondChanged(): void {
    const s = this.nowS();
    if (s <= this.lastFsyncS) return;
    this.lastFsyncS = s;
    this.durableUpTo(this.node.ctx.nowUs(), 'fsync');
  }

  /** Records written at or before `writtenBeforeUs` reach the platter; the trace is told when any did. */
  private durableUpTo(writtenBeforeUs: number, how: 'fsync' | 'writeback'): void {
    const name = path(this.incrName());
    const f = this.disk.read<AppendLog<string[]>>(name);
    if (!f) return;
    const before = f.data.durable;
    this.disk.fsync(name, writtenBeforeUs);
    if (f.data.durable === before) return;
    const node = this.node;
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: how, durable_until: writtenBeforeUs, size: this.currentSize() });
  }

  /** serverCron's part: the everysec fsync of an idle server, the kernel's writeback, rewrites. */
  cron(): void {
    if (this.state !== 'on') return;
    const policy = this.policy();
    if (policy === 'everysec') this.fsyncIfSecondChanged();
    else if (policy === 'no') {
      const s = this.nowS();
      if (s - this.lastWritebackS >= WRITEBACK_PERIOD_S) {
        this.lastWritebackS = s;
        this.durableUpTo(this.node.ctx.nowUs() - DIRTY_EXPIRE_US, 'writeback');
      }
    }
    if (this.node.bgsave) return;
    if (this.rewriteScheduled) {
      this.rewrite();
      return;
    }
    const cfg = this.node.cfg;
    const size = this.currentSize();
    if (cfg['auto-aof-rewrite-percentage'] > 0 && size > cfg['auto-aof-rewrite-min-size']) {
      const base = this.rewriteBaseSize || 1;
      const growth = Math.floor((size * 100) / base) - 100;
      if (growth >= cfg['auto-aof-rewrite-percentage']) this.rewrite();
    }
  }

  /** SHUTDOWN, or appendonly switched off: the buffer is written and fsynced. */
  flushAndSync(): void {
    if (this.state !== 'on') return;
    this.durableUpTo(Number.POSITIVE_INFINITY, 'fsync');
  }

  // ---- rewrite ----

  /**
   * rewriteAppendOnlyFileBackground() and its done handler. The child is modelled as instantaneous
   * (it never overlaps a BGSAVE): a new base of the dataset, a new empty incremental file, a
   * manifest naming only those two, and the old files deleted as history.
   */
  rewrite(): void {
    this.rewriteScheduled = false;
    const old = [this.manifest.base, ...this.manifest.incrs].filter((f): f is AofFileInfo => f !== null);
    this.flushAndSync();
    this.writeBase((this.manifest.base?.seq ?? 0) + 1);
    this.manifest = { base: this.manifest.base, incrs: this.manifest.incrs.slice(-1) };
    this.openNewIncr();
    this.manifest = { base: this.manifest.base, incrs: this.manifest.incrs.slice(-1) };
    this.persistManifest();
    for (const f of old) this.disk.delete(path(f.name));
    this.rewrites++;
    this.currentBytes = this.baseFileSize();
    this.rewriteBaseSize = this.currentBytes;
    const node = this.node;
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: 'rewrite', keys: node.ds.totalKeys(), size: this.rewriteBaseSize });
  }

  /** BGREWRITEAOF. */
  bgrewriteCommand(): Reply {
    if (this.rewriteScheduled) return err('ERR Background append only file rewriting already in progress');
    if (this.node.bgsave) {
      this.rewriteScheduled = true;
      return 'Background append only file rewriting scheduled';
    }
    this.rewrite();
    return 'Background append only file rewriting started';
  }

  /**
   * CONFIG SET appendonly: yes is startAppendOnly() (a rewrite makes the base, then the AOF is on);
   * no is stopAppendOnly() (the buffer is written and fsynced; the files stay for the next boot).
   */
  setEnabled(on: boolean): void {
    const node = this.node;
    if (!on) {
      this.flushAndSync();
      this.state = 'off';
      node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: 'off' });
      return;
    }
    this.lastFsyncS = this.nowS();
    this.lastWritebackS = this.nowS();
    this.rewrite();
    this.state = 'on';
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: 'open', appendfsync: node.cfg.appendfsync, loaded: false, keys: node.ds.totalKeys() });
  }

  /** CONFIG SET appendfsync: the next write follows the new policy (the trace is told). */
  policyChanged(): void {
    if (this.state !== 'on') return;
    const node = this.node;
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.aof', node: node.name, what: 'policy', appendfsync: node.cfg.appendfsync });
  }

  /** A replica with AOF on after loading a full sync: restartAOFAfterSYNC() rewrites at once. */
  afterFullSync(): void {
    if (this.state !== 'on') return;
    if (this.node.bgsave) this.rewriteScheduled = true;
    else this.rewrite();
  }
}
