// One Redis 7.0 process: composes its replication identity (identity.ts), master side (master.ts) and
// replica side (replica.ts), and owns the dataset, clients, WAIT, loading, cron and role changes.
// Persistence lives in persistence.ts; INFO and ROLE in info.ts; FAILOVER in failover.ts.

import type { NodeContext } from './context.js';
import type { RedisConfig } from './config.js';
import { Dataset, EPOCH_MS } from './dataset.js';
import type { StreamEntry } from './backlog.js';
import { ReplicationIdentity } from './identity.js';
import { MasterSide, emitStream } from './master.js';
import { ReplicaSide, type ReplState } from './replica.js';
import type { RedisHooks } from './hooks.js';
import { type FailoverState, noFailover, updateFailoverStatus, abortFailover } from './failover.js';
import { dataCommand, checkArity, NodeExec } from './commands.js';
import { type Reply, err } from './reply.js';
import { dispatch, PENDING, type Pending } from './dispatch.js';
import * as P from './persistence.js';
import type { RdbSnapshot, ReplInfo } from './rdb.js';
import { hooksFor, type MutantName } from './mutants.js';
import { Aof } from './aof.js';
import { PubSub } from './pubsub.js';
import { WaitQueue } from './wait.js';

/** A scenario or test client connected to this node. */
export interface Client {
  readonly id: number;
  db: number;
  /** Commands queued by MULTI, or null. */
  multi: string[][] | null;
  /** A command was refused while queueing (flagTransaction()): EXEC will abort. */
  multiDirty: boolean;
  /** master_repl_offset after this client's last propagated write (for WAIT). */
  woff: number;
  /** A client on a connection: send it a message it did not ask for (Pub/Sub). */
  push?: (reply: Reply) => void;
  /** A client on a connection: the server closes it (CLIENT KILL). */
  kill?: () => void;
  /** The channels it is subscribed to (subscribed mode while not empty). */
  channels?: Set<string>;
}

export type ReplyCallback = (reply: Reply) => void;

interface PausedCall {
  client: Client;
  args: string[];
  cb: ReplyCallback;
}

export interface BgsaveState {
  forReplication: boolean;
  /** A diskless child writing to replicas' sockets (its `timer` is unused: the transfer paces it). */
  socket: boolean;
  snapshot: RdbSnapshot;
  timer: number;
  startedUs: number;
}

export interface NodeOptions {
  /** Called once when the process exits (SHUTDOWN); the world then stops routing to it. */
  onExit?: () => void;
  mutant?: MutantName | null;
}

export class RedisNode {
  readonly name: string;
  alive = true;
  readonly hooks: Readonly<RedisHooks>;
  ds = new Dataset();
  readonly identity: ReplicationIdentity;
  readonly masterSide: MasterSide;
  readonly replicaSide: ReplicaSide;

  bgsave: BgsaveState | null = null;
  /** appendonly yes: the multi-part AOF (aof.ts); state 'off' otherwise. */
  readonly aof: Aof = new Aof(this);
  readonly pubsub = new PubSub();
  /** Clients on accepted connections, in the order they connected (CLIENT KILL walks them). */
  readonly connClients = new Set<Client>();
  failover: FailoverState = noFailover();
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, expiredKeys: 0, rdbLastLoadKeysExpired: 0, rdbLastLoadKeysLoaded: 0 };
  loading = false;
  /** A swapdb diskless load that keeps serving the old dataset (INFO async_loading). */
  asyncLoading = false;
  private loadTimer: number | null = null;

  // clients, cron, persistence
  cronLoops = 0;
  private serverCronLoops = 0;
  activeExpire = true;
  dirty = 0;
  dirtyAtBgsave = 0;
  /** The RDB replication info loaded at boot, if any (for the start event). */
  loadedRepl: ReplInfo | null = null;
  /** appendonly yes: whether an AOF existed at boot and was loaded (for the aof open event). */
  aofLoadedAtStart = false;
  /** The AOF unit of a transaction from the master being applied (asAofUnit), or null. */
  private aofUnit: { db: number; args: string[] }[] | null = null;
  private readonly exec = new NodeExec(this);
  /** DELs a restarting master fed at load, reported as generated stream after the start event. */
  startupStream: readonly StreamEntry[] = [];
  private lastObs = '';
  lastSaveUs: number;
  shuttingDown: P.ShutdownState | null = null;
  private nextClientId = 1;
  private paused: PausedCall[] = [];
  private readonly waits = new WaitQueue(this);

  constructor(
    readonly ctx: NodeContext,
    public cfg: RedisConfig,
    private readonly options: NodeOptions = {},
  ) {
    this.name = ctx.name;
    this.hooks = hooksFor(options.mutant ?? null);
    this.masterSide = new MasterSide(this);
    this.replicaSide = new ReplicaSide(this);
    this.lastSaveUs = ctx.nowUs();
    this.identity = new ReplicationIdentity(ctx, () => this.masterSide.offset);
    if (cfg.replicaof !== null) {
      this.replicaSide.masterHost = cfg.replicaof;
      this.replicaSide.replState = 'connect';
    }
    P.loadDataFromDisk(this);
    ctx.trace.emit({
      t: ctx.nowUs(),
      type: 'redis.start',
      node: this.name,
      role: this.masterHost === null ? 'master' : 'slave',
      master_host: this.masterHost,
      replid: this.replid,
      replid2: this.identity.replid2,
      master_repl_offset: this.masterReplOffset,
      keys: this.ds.totalKeys(),
      rdb_repl_id: this.loadedRepl ? this.loadedRepl.replId : null,
      rdb_repl_offset: this.loadedRepl ? this.loadedRepl.replOffset : null,
    });
    for (const e of this.startupStream) emitStream(ctx, 'redis.stream', this.replid, e);
    this.startupStream = [];
    if (cfg.appendonly) this.aof.openOnStart(this.aofLoadedAtStart);
    this.observe('start');
    ctx.listen((sock) => this.masterSide.accept(sock));
    // like Redis, the first serverCron (and so replicationCron loop 0) runs 1 ms after start; the
    // next one comes after a random part of the 100 ms period, so that processes, which in a real
    // deployment start at different moments, do not run their crons in lockstep
    ctx.timer(1000, this.serverCronFn, this);
  }

  nowMs(): number {
    return EPOCH_MS + Math.floor(this.ctx.nowUs() / 1000);
  }

  get isMaster(): boolean {
    return this.replicaSide.masterHost === null;
  }

  /** The master this node replicates, or null (REPLICAOF). */
  get masterHost(): string | null {
    return this.replicaSide.masterHost;
  }

  get replState(): ReplState {
    return this.replicaSide.replState;
  }

  get replid(): string {
    return this.identity.replid;
  }

  /** allPersistenceDisabled(): no save points and the AOF off (rdb-del-sync-files acts only then). */
  get persistenceOff(): boolean {
    return this.cfg.save.length === 0 && this.aof.state === 'off';
  }

  get masterReplOffset(): number {
    return this.masterSide.offset;
  }

  get linkUp(): boolean {
    return this.replicaSide.replState === 'connected';
  }

  get bgsaveForReplication(): boolean | null {
    return this.bgsave ? this.bgsave.forReplication : null;
  }

  get bgsaveToSockets(): boolean {
    return this.bgsave !== null && this.bgsave.socket;
  }

  // ---- clients and commands ----

  createClient(): Client {
    return { id: this.nextClientId++, db: 0, multi: null, multiDirty: false, woff: 0 };
  }

  /**
   * Run a command for a client. Returns the reply, or PENDING when the command blocks (WAIT, a
   * write paused by FAILOVER, SHUTDOWN waiting for replicas): `cb` then receives the reply later.
   */
  call(client: Client, args: string[], cb: ReplyCallback = () => {}): Reply | Pending {
    if (!this.alive) return err('ERR connection closed: the server is not running');
    if (args.length === 0) return err('ERR empty command');
    return dispatch(this, client, args, cb);
  }

  /** Synchronous convenience for tests: throws if the command blocks. */
  command(client: Client, ...args: (string | number)[]): Reply {
    const r = this.call(client, args.map(String));
    if (r === PENDING) throw new Error(`${args.join(' ')} blocked; use call() with a callback`);
    return r;
  }

  get writesPaused(): boolean {
    return this.failover.state !== 'no-failover' || (this.shuttingDown !== null && this.shuttingDown.pausing);
  }

  pauseCall(client: Client, args: string[], cb: ReplyCallback): Pending {
    this.paused.push({ client, args, cb });
    return PENDING;
  }

  /** A client with a postponed command is blocked: what it sends next waits behind it, in order. */
  blockedByPause(client: Client): boolean {
    return this.paused.some((p) => p.client === client);
  }

  resumePausedClients(): void {
    if (this.writesPaused) return;
    this.waits.resumed();
    const calls = this.paused;
    this.paused = [];
    for (const c of calls) {
      const r = this.call(c.client, c.args, c.cb);
      if (r !== PENDING) c.cb(r);
    }
  }

  /** Execute a data command in `db`; from the master it is applied without propagation. */
  execData(spec: NonNullable<ReturnType<typeof dataCommand>>, args: string[], db: number, fromMaster: boolean, unit?: { db: number; args: string[] }[]): Reply {
    if (!checkArity(spec, args)) return err(`ERR wrong number of arguments for '${args[0]!.toLowerCase()}' command`);
    // one context object per node, refilled for each command (a nested call gets its own)
    const ctx = this.exec.busy ? new NodeExec(this) : this.exec;
    ctx.busy = true;
    ctx.ds = this.ds;
    ctx.db = db;
    ctx.nowMs = this.nowMs();
    ctx.fromMaster = fromMaster;
    ctx.isMaster = this.isMaster;
    ctx.unit = unit;
    try {
      return spec.run(ctx, args);
    } finally {
      ctx.busy = false;
      ctx.unit = undefined;
    }
  }

  /** What a data command propagates: into the caller's unit, or (from the master) into this node's AOF. */
  execPropagated(unit: { db: number; args: string[] }[] | undefined, fromMaster: boolean, args: string[], db: number): void {
    if (unit) unit.push({ db, args });
    // a replica's AOF gets what the commands from its master changed (call() with PROPAGATE_AOF)
    else if (fromMaster) {
      if (this.aofUnit) this.aofUnit.push({ db, args });
      else this.aof.feedUnit([{ db, args }]);
    }
  }

  /** A transaction from the master reaches a replica's AOF as one unit, like propagatePendingCommands() wraps it. */
  asAofUnit(run: () => void): void {
    const unit: { db: number; args: string[] }[] = [];
    this.aofUnit = unit;
    run();
    this.aofUnit = null;
    this.aof.feedUnit(unit);
  }

  /** Feed one execution unit's propagated commands and account for it. */
  propagateUnit(client: Client | null, unit: { db: number; args: string[] }[]): void {
    if (unit.length === 0) return;
    this.dirty += unit.length;
    this.masterSide.feedUnit(unit);
    this.aof.feedUnit(unit);
    if (client) client.woff = this.masterReplOffset;
  }

  /**
   * A client's connection closed (freeClient()): a command it had postponed (a write paused by
   * FAILOVER) is dropped, and so is its WAIT.
   */
  freeClient(client: Client): void {
    this.connClients.delete(client);
    this.pubsub.forget(client);
    this.paused = this.paused.filter((p) => p.client !== client);
    this.waits.forget(client);
  }

  // ---- WAIT (wait.ts) ----

  blockForWait(client: Client, numReplicas: number, timeoutMs: number, cb: ReplyCallback): Pending {
    return this.waits.block(client, numReplicas, timeoutMs, cb);
  }

  onReplicaAck(): void {
    this.waits.onAck();
    updateFailoverStatus(this); // Redis also runs it in beforeSleep, right after the ACK was read
  }

  // ---- role changes ----

  /** replicationUnsetMaster(): REPLICAOF NO ONE, a FAILOVER target, or an aborted failover. */
  promote(reason: string): void {
    if (this.isMaster) return;
    this.replicaSide.unsetMaster();
    if (this.hooks.shiftIdOnPromotion()) this.identity.shiftReplicationId(reason);
    this.masterSide.disconnectReplicas('promoted to master');
    this.masterSide.slaveseldb = -1;
    this.masterSide.replNoSlavesSinceUs = this.ctx.nowUs();
    this.replicaSide.emitRole();
    this.observe('promoted');
  }

  /** replicationSetMaster(): REPLICAOF host, switching masters, or the demotion of a FAILOVER. */
  setMaster(host: string): void {
    const wasMaster = this.isMaster;
    this.replicaSide.setMaster(host, wasMaster);
    if (wasMaster) this.waits.unblockAll();
    this.replicaSide.startConnecting();
  }

  /** Reply of the failover target to our PSYNC ... FAILOVER (or to any PSYNC when none is running). */
  failoverPsyncAnswered(accepted: boolean): void {
    if (this.failover.state !== 'failover-in-progress') return;
    if (accepted) {
      this.failover = noFailover();
      this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.failover', node: this.name, state: 'no-failover', target: null });
      this.resumePausedClients();
    } else abortFailover(this, 'Failover target rejected psync request');
  }

  /**
   * What an outside observer would read from INFO and DEBUG DIGEST right now (redis.obs), emitted
   * when it differs from this node's previous observation. `meaningful`: the offset tracks the
   * stream (the node has a backlog, a master link or a cached master). `always`: emit it even when
   * unchanged (the end-of-run observation, so every trace ends with each live node's state).
   */
  observe(why: string, always = false): void {
    if (!this.alive || this.loading) return;
    const meaningful = this.masterSide.backlog !== null || this.replicaSide.link !== null || this.replicaSide.cachedMaster !== null;
    const digest = this.ds.digest();
    const key = `${this.replid}|${this.masterReplOffset}|${digest}|${meaningful}|${this.stats.syncFull}|${this.stats.syncPartialOk}|${this.stats.syncPartialErr}|${this.isMaster}`;
    if (key === this.lastObs && !always) return;
    this.lastObs = key;
    this.ctx.trace.emit({
      t: this.ctx.nowUs(),
      type: 'redis.obs',
      node: this.name,
      why,
      role: this.isMaster ? 'master' : 'slave',
      replid: this.replid,
      offset: this.masterReplOffset,
      digest,
      meaningful,
      sync_full: this.stats.syncFull,
      sync_partial_ok: this.stats.syncPartialOk,
      sync_partial_err: this.stats.syncPartialErr,
    });
  }

  // ---- loading and BGSAVE ----

  startLoad(snapshot: RdbSnapshot, durationUs: number, done: () => void): void {
    this.loading = true;
    this.ds = new Dataset();
    this.loadTimer = this.ctx.timer(durationUs, this.loadDoneFn, { snapshot, done });
  }

  get keyCount(): number {
    return this.ds.totalKeys();
  }

  /** A diskless load starts at the payload's first bytes: `flush` empties the dataset first. */
  beginSocketLoad(flush: boolean, async: boolean): void {
    if (flush) this.ds = new Dataset();
    this.loading = !async;
    this.asyncLoading = async;
  }

  /** The last bytes arrived; the new dataset replaces the old one after `durationUs`. */
  finishSocketLoad(snapshot: RdbSnapshot, durationUs: number, done: () => void): void {
    this.loadTimer = this.ctx.timer(durationUs, this.loadDoneFn, { snapshot, done });
  }

  private readonly loadDoneFn = (a: { snapshot: RdbSnapshot; done: () => void }) => {
    this.loading = false;
    this.asyncLoading = false;
    this.loadTimer = null;
    this.ds = a.snapshot.data.clone();
    this.stats.rdbLastLoadKeysLoaded = this.ds.totalKeys();
    this.stats.rdbLastLoadKeysExpired = 0;
    a.done();
    this.aof.afterFullSync();
  };

  abortLoad(): void {
    if (this.loadTimer !== null) this.ctx.cancelTimer(this.loadTimer);
    this.loadTimer = null;
    this.loading = false;
    this.asyncLoading = false;
  }

  /** The replication info an RDB made now would carry (rdbPopulateSaveInfo()), or null. */
  replInfoForSave(): ReplInfo | null {
    if (this.isMaster) return this.masterSide.replInfoForSave();
    const link = this.replicaSide.link;
    const cm = this.replicaSide.cachedMaster;
    const db = link ? link.db : cm ? cm.db : -1;
    if (db === -1) return null;
    return { replId: this.replid, replOffset: this.masterReplOffset, replStreamDb: db };
  }

  startBgsave(forReplication: boolean, rsi: ReplInfo | null): void {
    P.startBgsave(this, forReplication, rsi);
  }

  /** A diskless child forked (its snapshot) or exited (null): it counts as the node's RDB child. */
  setSocketChild(snapshot: RdbSnapshot | null): void {
    if (snapshot !== null) this.observe('bgsave');
    this.bgsave = snapshot === null ? null : { forReplication: true, socket: true, snapshot, timer: -1, startedUs: this.ctx.nowUs() };
  }

  killBgsave(): void {
    P.killBgsave(this);
  }

  // ---- cron ----

  private readonly serverCronFn = (self: RedisNode) => self.serverCron();

  /** serverCron() at hz 10: active expiry, save points, and replicationCron every second (10 Hz in a FAILOVER). */
  private serverCron(): void {
    if (!this.alive) return;
    const loop = this.serverCronLoops++;
    this.ctx.timer(loop === 0 ? this.ctx.rng.int(1, 100_000) : 100_000, this.serverCronFn, this);
    if (this.loading || this.asyncLoading) {
      // a diskless load still reads the socket, with repl-timeout as its read timeout
      if (loop % 10 === 0) this.replicaSide.cron();
      return;
    }
    P.checkShutdownReady(this);
    if (!this.alive) return;
    this.masterSide.clientsCron();
    if (this.activeExpire && this.isMaster) P.activeExpireCycle(this);
    if (loop % 10 === 0 || this.failover.state !== 'no-failover') this.replicationCron();
    P.checkSavePoints(this);
    this.aof.cron();
  }

  private replicationCron(): void {
    updateFailoverStatus(this); // first, as in Redis; it only reads the ACKs replicas sent
    this.replicaSide.cron();
    this.masterSide.cron();
    this.cronLoops++;
    this.observe('cron');
  }

  /** The process ends (SHUTDOWN or crash): timers stop, sockets close, the world is told. */
  exit(closeSockets: boolean): void {
    if (!this.alive) return;
    this.alive = false;
    if (closeSockets) {
      for (const r of this.masterSide.replicas) this.ctx.close(r.sock);
      for (const s of this.replicaSide.sockets()) this.ctx.close(s);
      // and every other descriptor: connections accepted that are not replicas (yet), which a peer
      // in handshake would otherwise keep talking to until its repl-timeout
      this.ctx.closeAll();
      this.ctx.listen(null);
    }
    this.options.onExit?.();
  }
}
