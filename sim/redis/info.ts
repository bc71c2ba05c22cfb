// INFO (replication, stats and persistence fields, with Redis's own names and value forms) and ROLE.

import type { RedisNode } from './instance.js';
import type { Reply } from './reply.js';

export type InfoValue = string | number;
export type InfoFields = Record<string, InfoValue>;

const ROLE_LINK_STATE: Record<string, string> = {
  none: 'none',
  connect: 'connect',
  connecting: 'connecting',
  handshake: 'handshake',
  transfer: 'sync',
  connected: 'connected',
};

function replicaOffset(node: RedisNode): number {
  const { link, cachedMaster } = node.replicaSide;
  if (link) return link.reploff;
  if (cachedMaster) return cachedMaster.reploff;
  return 1;
}

/** Every INFO field name the model reports (slaveN lines aside). */
export const INFO_FIELD_NAMES: readonly string[] = [
  'role', 'master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago', 'master_sync_in_progress',
  'slave_read_repl_offset', 'slave_repl_offset', 'slave_priority', 'slave_read_only', 'replica_announced',
  'connected_slaves', 'min_slaves_good_slaves', 'master_failover_state', 'master_replid', 'master_replid2',
  'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size',
  'repl_backlog_first_byte_offset', 'repl_backlog_histlen', 'sync_full', 'sync_partial_ok', 'sync_partial_err',
  'expired_keys', 'loading', 'async_loading', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress',
  'rdb_last_load_keys_expired', 'rdb_last_load_keys_loaded',
  'aof_enabled', 'aof_rewrite_scheduled', 'aof_rewrites', 'aof_current_size', 'aof_base_size',
];

export function infoFields(node: RedisNode): InfoFields {
  const now = node.ctx.nowUs();
  const link = node.replicaSide.link;
  const { replicas, backlog } = node.masterSide;
  const f: InfoFields = { role: node.isMaster ? 'master' : 'slave' };
  if (!node.isMaster) {
    f.master_host = node.masterHost!;
    f.master_port = 6379;
    f.master_link_status = node.replState === 'connected' ? 'up' : 'down';
    f.master_last_io_seconds_ago = link ? Math.floor((now - link.lastInteractionUs) / 1_000_000) : -1;
    f.master_sync_in_progress = node.replState === 'transfer' ? 1 : 0;
    f.slave_read_repl_offset = link ? link.readReploff : replicaOffset(node);
    f.slave_repl_offset = replicaOffset(node);
    f.slave_priority = node.cfg['replica-priority'];
    f.slave_read_only = node.cfg['replica-read-only'] ? 1 : 0;
    f.replica_announced = 1;
  }
  f.connected_slaves = replicas.length;
  replicas.forEach((r, i) => {
    const state = r.replState === 'online' ? 'online' : r.replState === 'send_bulk' ? 'send_bulk' : 'wait_bgsave';
    const lag = r.replState === 'online' ? Math.floor((now - r.ackTimeUs) / 1_000_000) : 0;
    f[`slave${i}`] = `ip=${r.peer},port=6379,state=${state},offset=${r.ackOff},lag=${lag}`;
  });
  if (node.cfg['min-replicas-to-write'] > 0 && node.cfg['min-replicas-max-lag'] > 0) f.min_slaves_good_slaves = node.masterSide.goodReplicas;
  f.master_failover_state = node.failover.state;
  f.master_replid = node.replid;
  f.master_replid2 = node.identity.replid2;
  f.master_repl_offset = node.masterReplOffset;
  f.second_repl_offset = node.identity.secondReplOffset;
  f.repl_backlog_active = backlog ? 1 : 0;
  f.repl_backlog_size = node.cfg['repl-backlog-size'];
  f.repl_backlog_first_byte_offset = backlog ? backlog.firstByte : 0;
  f.repl_backlog_histlen = backlog ? backlog.histlen : 0;
  // stats
  f.sync_full = node.stats.syncFull;
  f.sync_partial_ok = node.stats.syncPartialOk;
  f.sync_partial_err = node.stats.syncPartialErr;
  f.expired_keys = node.stats.expiredKeys;
  // persistence
  f.loading = node.loading ? 1 : 0;
  f.async_loading = node.asyncLoading ? 1 : 0;
  f.rdb_changes_since_last_save = node.dirty;
  f.rdb_bgsave_in_progress = node.bgsave ? 1 : 0;
  f.rdb_last_load_keys_expired = node.stats.rdbLastLoadKeysExpired;
  f.rdb_last_load_keys_loaded = node.stats.rdbLastLoadKeysLoaded;
  // the rewrite child is instantaneous in the model: aof_rewrite_in_progress is always 0
  const aof = node.aof;
  f.aof_enabled = aof.state === 'on' ? 1 : 0;
  f.aof_rewrite_in_progress = 0;
  f.aof_rewrite_scheduled = aof.rewriteScheduled ? 1 : 0;
  f.aof_rewrites = aof.rewrites;
  if (aof.state === 'on') {
    f.aof_current_size = aof.currentSize();
    f.aof_base_size = aof.baseSize();
  }
  return f;
}

/** INFO as Redis prints it: `field:value` lines (run_id and the link's down time as Sentinel reads them). */
export function infoText(node: RedisNode): string {
  let text = `run_id:${node.ctx.runId}`;
  const rs = node.replicaSide;
  if (!node.isMaster && rs.replState !== 'connected') {
    text += `\r\nmaster_link_down_since_seconds:${rs.downSinceUs > 0 ? Math.floor((node.ctx.nowUs() - rs.downSinceUs) / 1_000_000) : -1}`;
  }
  // one string, built in the fields' order (Sentinels ask every second or ten)
  const fields = infoFields(node);
  for (const k in fields) text += `\r\n${k}:${fields[k]}`;
  return text;
}

export function roleReply(node: RedisNode): Reply {
  if (node.isMaster) {
    const replicas = node.masterSide.replicas.filter((r) => r.replState === 'online').map((r) => [r.peer, '6379', String(r.ackOff)]);
    return ['master', node.masterReplOffset, replicas];
  }
  const link = node.replicaSide.link;
  const off = link ? link.reploff : -1; // 7.0: -1 without a link, even with a cached master
  return ['slave', node.masterHost!, 6379, ROLE_LINK_STATE[node.replState] ?? node.replState, off];
}
