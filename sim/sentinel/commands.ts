// The commands a Sentinel serves to clients and to other Sentinels: PING, PUBLISH on the hello
// channel, INFO, ROLE and the SENTINEL subcommands (is-master-down-by-addr with its vote,
// get-master-addr-by-name, masters / master / replicas / sentinels, failover, reset), answered as
// sentinel.c answers them.

import { type Reply, NOT_INTEGER, err } from '../redis/reply.js';
import { parseInt64 } from '../redis/ints.js';
import { HELLO_CHANNEL, REDIS_PORT, type SentinelInstance } from './instance.js';
import * as F from './failover.js';
import type { Sentinel } from './sentinel.js';

/** One command from a client or another Sentinel. */
export function serveCommand(s: Sentinel, args: string[]): Reply {
  const name = (args[0] ?? '').toUpperCase();
  if (name === 'PING') return 'PONG';
  if (name === 'PUBLISH') {
    // sentinelPublishCommand(): only the hello channel, delivered to this Sentinel itself
    if (args.length !== 3) return err("ERR wrong number of arguments for 'publish' command");
    if (args[1] !== HELLO_CHANNEL) return err('ERR Only HELLO messages are accepted by Sentinel instances.');
    s.processHello(args[2]!);
    return 1;
  }
  if (name === 'SENTINEL') return sentinelCommand(s, args);
  if (name === 'INFO') return infoText(s);
  if (name === 'ROLE') return ['sentinel', [s.master.name]];
  return err(`ERR unknown command '${args[0]}'`);
}

function sentinelCommand(s: Sentinel, args: string[]): Reply {
  const sub = (args[1] ?? '').toLowerCase();
  const m = s.master;
  switch (sub) {
    case 'is-master-down-by-addr': {
      if (args.length !== 6) return err("ERR wrong number of arguments for 'sentinel|is-master-down-by-addr' command");
      // the port and the epoch read as string2ll() reads them (getLongFromObjectOrReply())
      const port = parseInt64(args[3]!);
      const epoch = parseInt64(args[4]!);
      if (port === null || epoch === null) return NOT_INTEGER();
      const reqEpoch = Number(epoch);
      const isMaster = args[2] === m.inst.host && port === BigInt(REDIS_PORT);
      const isdown = !s.tilt && isMaster && m.inst.sdown ? 1 : 0;
      let leader: string | null = null;
      let leaderEpoch = 0;
      if (isMaster && args[5] !== '*') [leader, leaderEpoch] = F.voteLeader(s, reqEpoch, args[5]!);
      return [isdown, leader ?? '*', leaderEpoch];
    }
    case 'get-master-addr-by-name':
      if (args[2] !== m.name) return null;
      return [F.currentMasterHost(s), String(REDIS_PORT)];
    case 'masters':
      return [describe(s, m.inst)];
    case 'master':
      return args[2] === m.name ? describe(s, m.inst) : err('ERR No such master with that name');
    case 'replicas':
    case 'slaves':
      return args[2] === m.name ? [...m.slaves.values()].map((ri) => describe(s, ri)) : err('ERR No such master with that name');
    case 'sentinels':
      return args[2] === m.name ? [...m.sentinels.values()].map((ri) => describe(s, ri)) : err('ERR No such master with that name');
    case 'failover':
      if (args[2] !== m.name) return err('ERR No such master with that name');
      if (m.inProgress) return err('INPROG Failover already in progress');
      if (!F.selectSlave(s)) return err('NOGOODSLAVE No suitable replica to promote');
      F.startFailover(s);
      m.forced = true;
      return 'OK';
    case 'reset':
      if (args.length !== 3) return err("ERR wrong number of arguments for 'sentinel|reset' command");
      if (!globMatch(args[2]!, m.name)) return 0;
      F.resetMaster(s, false, true);
      return 1;
    default:
      return err(`ERR Unknown subcommand or wrong number of arguments for '${args[1] ?? ''}'. Try SENTINEL HELP.`);
  }
}

/** addReplySentinelRedisInstance(), the fields clients and tests read. */
function describe(s: Sentinel, ri: SentinelInstance): Reply {
  // in sentinel.c's order (addReplySentinelRedisInstance())
  const master = ri === s.master.inst;
  const flags: string[] = [];
  if (ri.sdown) flags.push('s_down');
  if (ri.odown) flags.push('o_down');
  flags.push(ri.kind);
  if (ri.link.disconnected) flags.push('disconnected');
  if (ri.kind === 'sentinel' && ri.masterDown) flags.push('master_down');
  if (master && s.master.inProgress) flags.push('failover_in_progress');
  if (ri.promoted) flags.push('promoted');
  if (ri.reconfSent) flags.push('reconf_sent');
  if (ri.reconfInprog) flags.push('reconf_inprog');
  if (ri.reconfDone) flags.push('reconf_done');
  if (master && s.master.forced) flags.push('force_failover');
  const out: Reply[] = ['name', ri.kind === 'master' ? s.master.name : ri.kind === 'sentinel' ? (ri.runid ?? ri.addr) : ri.addr, 'ip', ri.host, 'port', String(ri.port), 'runid', ri.runid ?? '', 'flags', flags.join(',')];
  if (ri.kind === 'master') out.push('config-epoch', String(s.master.configEpoch), 'num-slaves', String(s.master.slaves.size), 'num-other-sentinels', String(s.master.sentinels.size), 'quorum', String(s.master.quorum));
  if (ri.kind === 'slave') out.push('master-host', ri.slaveMasterHost ?? '?', 'master-link-status', ri.slaveMasterLinkUp ? 'ok' : 'err', 'slave-priority', String(ri.slavePriority), 'slave-repl-offset', String(ri.slaveReplOffset));
  return out;
}

function infoText(s: Sentinel): string {
  const m = s.master;
  const status = m.inst.odown ? 'odown' : m.inst.sdown ? 'sdown' : 'ok';
  return [
    `run_id:${s.myid}`,
    'sentinel_masters:1',
    `sentinel_tilt:${s.tilt ? 1 : 0}`,
    `master0:name=${m.name},status=${status},address=${F.currentMasterHost(s)}:${REDIS_PORT},slaves=${m.slaves.size},sentinels=${m.sentinels.size + 1}`,
  ].join('\r\n');
}

/** stringmatch() for SENTINEL RESET patterns: `*` and `?` only. */
function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(s);
}
