// The acting half of a simulated Sentinel (7.0.15's sentinel.c): SDOWN and ODOWN, asking the other
// Sentinels, one vote per epoch and the leader count, replica selection, the failover state
// machine, re-pointing replicas, and the address switch. Times are µs of the Sentinel's clock.

import type { Reply } from '../redis/reply.js';
import { SentinelInstance, REDIS_PORT } from './instance.js';
import { ASK_PERIOD_US, INFO_PERIOD_US, PING_PERIOD_US, PUBLISH_PERIOD_US, type Sentinel } from './sentinel.js';

const ELECTION_TIMEOUT_US = 10_000_000;
const SLAVE_RECONF_TIMEOUT_US = 10_000_000;
const MIN_LINK_RECONNECT_PERIOD_US = 15_000_000;
const MAX_DESYNC_MS = 1000;

/** sentinelGetCurrentMasterAddress(): the promoted replica once it has been seen as master. */
export function currentMasterHost(s: Sentinel): string {
  const m = s.master;
  if (m.inProgress && m.promoted && (m.failoverState === 'reconf_slaves' || m.failoverState === 'update_config')) return m.promoted.host;
  return m.inst.host;
}

/** sentinelCheckSubjectivelyDown(): close links that look dead, then SDOWN / -SDOWN. */
export function checkSubjectivelyDown(s: Sentinel, ri: SentinelInstance): void {
  const now = s.now();
  const link = ri.link;
  const m = s.master;
  let elapsed = 0;
  if (link.actPingUs) elapsed = now - link.actPingUs;
  else if (link.disconnected) elapsed = now - link.lastAvailUs;
  if (link.cc && now - link.ccConnUs > MIN_LINK_RECONNECT_PERIOD_US && link.actPingUs !== 0 && now - link.actPingUs > m.downAfterUs / 2 && now - link.lastPongUs > m.downAfterUs / 2) {
    s.closeLink(ri, 'cc');
  }
  if (link.pc && now - link.pcConnUs > MIN_LINK_RECONNECT_PERIOD_US && now - link.pcLastActivityUs > PUBLISH_PERIOD_US * 3) {
    s.closeLink(ri, 'pc');
  }
  const masterClaimsSlave = ri.kind === 'master' && ri.roleReported === 'slave' && now - ri.roleReportedUs > m.downAfterUs + INFO_PERIOD_US * 2;
  if (elapsed > m.downAfterUs || masterClaimsSlave) {
    if (!ri.sdown) {
      s.event('+sdown', ri, '');
      ri.sdownSinceUs = now;
      ri.sdown = true;
    }
  } else if (ri.sdown) {
    s.event('-sdown', ri, '');
    ri.sdown = false;
  }
}

/** sentinelCheckObjectivelyDown(): SDOWN here and `quorum` Sentinels (us included) saying down. */
export function checkObjectivelyDown(s: Sentinel): void {
  const m = s.master;
  let quorum = 0;
  let odown = false;
  if (m.inst.sdown) {
    quorum = 1;
    for (const ri of m.sentinels.values()) if (ri.masterDown) quorum++;
    if (quorum >= m.quorum) odown = true;
  }
  if (odown) {
    if (!m.inst.odown) {
      s.event('+odown', m.inst, `#quorum ${quorum}/${m.quorum}`);
      m.inst.odown = true;
      m.inst.odownSinceUs = s.now();
    }
  } else if (m.inst.odown) {
    s.event('-odown', m.inst, '');
    m.inst.odown = false;
  }
}

/** sentinelAskMasterStateToOtherSentinels(): IS-MASTER-DOWN-BY-ADDR, with our run id once failing over. */
export function askOtherSentinels(s: Sentinel, forced: boolean): void {
  const m = s.master;
  const now = s.now();
  for (const ri of [...m.sentinels.values()]) {
    const elapsed = now - ri.lastMasterDownReplyUs;
    if (elapsed > ASK_PERIOD_US * 5) {
      ri.masterDown = false;
      ri.leader = null;
    }
    if (!m.inst.sdown) continue;
    if (ri.link.disconnected) continue;
    if (!forced && now - ri.lastMasterDownReplyUs < ASK_PERIOD_US) continue;
    const askedFor = m.failoverState !== 'none' ? s.myid : '*';
    s.command(ri, ['SENTINEL', 'is-master-down-by-addr', m.inst.host, String(REDIS_PORT), String(s.currentEpoch), askedFor], (r) => onIsMasterDownReply(s, ri, r));
  }
}

function onIsMasterDownReply(s: Sentinel, ri: SentinelInstance, r: Reply | null): void {
  if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'number' || typeof r[1] !== 'string' || typeof r[2] !== 'number') return;
  ri.lastMasterDownReplyUs = s.now();
  ri.masterDown = r[0] === 1;
  if (r[1] !== '*') {
    ri.leader = r[1];
    ri.leaderEpoch = r[2];
  }
}

/**
 * sentinelVoteLeader(): adopt a higher epoch, and vote for the requester if this Sentinel has not
 * voted in that epoch yet; returns the vote (ours or the old one) and its epoch.
 */
export function voteLeader(s: Sentinel, reqEpoch: number, reqRunid: string): [string | null, number] {
  const m = s.master;
  if (reqEpoch > s.currentEpoch) {
    s.currentEpoch = reqEpoch;
    s.flushConfig();
    s.event('+new-epoch', m.inst, String(s.currentEpoch));
  }
  if (s.hooks.mayVote(m.leaderEpoch, reqEpoch, s.currentEpoch)) {
    m.leader = reqRunid;
    m.leaderEpoch = s.currentEpoch;
    s.flushConfig();
    s.event('+vote-for-leader', m.inst, `${m.leader} ${m.leaderEpoch}`);
    // voting for another Sentinel pushes our own failover start back
    if (m.leader.toLowerCase() !== s.myid.toLowerCase()) m.failoverStartUs = s.now() + s.ctx.rng.int(0, MAX_DESYNC_MS - 1) * 1000;
  }
  return [m.leader, m.leaderEpoch];
}

/** sentinelGetLeader(): the Sentinel with a majority of all known Sentinels and at least quorum votes. */
export function getLeader(s: Sentinel, epoch: number): string | null {
  const m = s.master;
  const voters = m.sentinels.size + 1;
  const counters = new Map<string, number>();
  for (const ri of m.sentinels.values()) {
    if (ri.leader !== null && ri.leaderEpoch === s.currentEpoch) counters.set(ri.leader, (counters.get(ri.leader) ?? 0) + 1);
  }
  let winner: string | null = null;
  let maxVotes = 0;
  // dict order in Redis; insertion order here (ties go to the first counted)
  for (const [runid, votes] of counters) {
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = runid;
    }
  }
  const [myvote, leaderEpoch] = voteLeader(s, epoch, winner ?? s.myid);
  if (myvote !== null && leaderEpoch === epoch) {
    const votes = (counters.get(myvote) ?? 0) + 1;
    counters.set(myvote, votes);
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = myvote;
    }
  }
  const votersQuorum = Math.floor(voters / 2) + 1;
  if (winner !== null && (maxVotes < votersQuorum || maxVotes < m.quorum)) winner = null;
  return winner;
}

/** sentinelStartFailover(): a new epoch, and a start delayed by up to a second. */
export function startFailover(s: Sentinel): void {
  const m = s.master;
  m.failoverState = 'wait_start';
  m.inProgress = true;
  m.failoverEpoch = ++s.currentEpoch;
  s.event('+new-epoch', m.inst, String(s.currentEpoch));
  s.event('+try-failover', m.inst, '', { failover_epoch: m.failoverEpoch });
  m.failoverStartUs = s.now() + s.ctx.rng.int(0, MAX_DESYNC_MS - 1) * 1000;
  m.failoverStateChangeUs = s.now();
}

/** sentinelStartFailoverIfNeeded(): ODOWN, none in progress, none started within 2 × failover-timeout. */
export function startFailoverIfNeeded(s: Sentinel): boolean {
  const m = s.master;
  if (!m.inst.odown || m.inProgress) return false;
  if (s.now() - m.failoverStartUs < m.failoverTimeoutUs * 2) return false;
  startFailover(s);
  return true;
}

/** sentinelSelectSlave(): the best usable replica by priority, offset, run id. */
export function selectSlave(s: Sentinel): SentinelInstance | null {
  return candidates(s)[0] ?? null;
}

/** The replicas the selection rule allows, best first. */
export function candidates(s: Sentinel): SentinelInstance[] {
  const m = s.master;
  const now = s.now();
  let maxMasterDownUs = 0;
  if (m.inst.sdown) maxMasterDownUs += now - m.inst.sdownSinceUs;
  maxMasterDownUs += m.downAfterUs * 10;
  const ok: SentinelInstance[] = [];
  for (const r of m.slaves.values()) {
    if (r.sdown || r.odown) continue;
    if (r.link.disconnected) continue;
    if (now - r.link.lastAvailUs > PING_PERIOD_US * 5) continue;
    if (r.slavePriority === 0) continue;
    const validity = m.inst.sdown ? PING_PERIOD_US * 5 : INFO_PERIOD_US * 3;
    if (now - r.infoRefreshUs > validity) continue;
    if (r.masterLinkDownMs * 1000 > maxMasterDownUs) continue;
    ok.push(r);
  }
  ok.sort(s.hooks.compareForPromotion);
  return ok;
}

/**
 * sentinelSendSlaveOf(): MULTI, SLAVEOF host port (or NO ONE), CONFIG REWRITE, CLIENT KILL TYPE
 * normal and pubsub, EXEC; the replies are not read (the next INFO shows the effect).
 */
export function sendSlaveOf(s: Sentinel, ri: SentinelInstance, host: string | null): boolean {
  const cmds = [
    ['MULTI'],
    host === null ? ['SLAVEOF', 'NO', 'ONE'] : ['SLAVEOF', host, String(REDIS_PORT)],
    ['CONFIG', 'REWRITE'],
    ['CLIENT', 'KILL', 'TYPE', 'normal'],
    ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
    ['EXEC'],
  ];
  for (const c of cmds) if (!s.command(ri, c)) return false;
  return true;
}

/** The acting half of sentinelRefreshInstanceInfo() (not in TILT). */
export function actOnInfo(s: Sentinel, ri: SentinelInstance, role: 'master' | 'slave' | null): void {
  const m = s.master;
  const now = s.now();
  if (ri.kind === 'slave' && role === 'master') {
    if (ri.promoted && m.inProgress && m.failoverState === 'wait_promotion') {
      // the promotion is seen: our epoch becomes the master's config epoch
      m.configEpoch = m.failoverEpoch;
      m.failoverState = 'reconf_slaves';
      m.failoverStateChangeUs = now;
      s.flushConfig();
      s.event('+promoted-slave', ri, '', { failover_epoch: m.failoverEpoch });
      s.event('+failover-state-reconf-slaves', m.inst, '');
      s.forceHelloUpdate();
    } else {
      // a replica turned master on its own: make it a replica again after a while
      const waitUs = PUBLISH_PERIOD_US * 4;
      if (!ri.promoted && masterLooksSane(s) && ri.noDownFor(now, waitUs) && now - ri.roleReportedUs > waitUs) {
        if (sendSlaveOf(s, ri, m.inst.host)) s.event('+convert-to-slave', ri, '');
      }
    }
  }
  if (ri.kind === 'slave' && role === 'slave' && (ri.slaveMasterPort !== REDIS_PORT || ri.slaveMasterHost !== m.inst.host)) {
    const waitUs = m.failoverTimeoutUs;
    if (masterLooksSane(s) && ri.noDownFor(now, waitUs) && now - ri.slaveConfChangeUs > waitUs) {
      if (sendSlaveOf(s, ri, m.inst.host)) s.event('+fix-slave-config', ri, '');
    }
  }
  if (ri.kind === 'slave' && role === 'slave' && (ri.reconfSent || ri.reconfInprog)) {
    const p = m.promoted;
    if (ri.reconfSent && p && ri.slaveMasterHost === p.host && ri.slaveMasterPort === REDIS_PORT) {
      ri.reconfSent = false;
      ri.reconfInprog = true;
      s.event('+slave-reconf-inprog', ri, '');
    }
    if (ri.reconfInprog && ri.slaveMasterLinkUp) {
      ri.reconfInprog = false;
      ri.reconfDone = true;
      s.event('+slave-reconf-done', ri, '');
    }
  }
}

/** sentinelMasterLooksSane(). */
function masterLooksSane(s: Sentinel): boolean {
  const mi = s.master.inst;
  return mi.roleReported === 'master' && !mi.sdown && !mi.odown && s.now() - mi.infoRefreshUs < INFO_PERIOD_US * 2;
}

/** sentinelFailoverStateMachine(). */
export function failoverStateMachine(s: Sentinel): void {
  const m = s.master;
  if (!m.inProgress) return;
  switch (m.failoverState) {
    case 'wait_start':
      return waitStart(s);
    case 'select_slave':
      return selectSlaveState(s);
    case 'send_slaveof_noone':
      return sendSlaveofNoOne(s);
    case 'wait_promotion':
      if (s.now() - m.failoverStateChangeUs > m.failoverTimeoutUs) {
        s.event('-failover-abort-slave-timeout', m.inst, '');
        abortFailover(s);
      }
      return;
    case 'reconf_slaves':
      return reconfNextSlave(s);
    default:
      return;
  }
}

function waitStart(s: Sentinel): void {
  const m = s.master;
  const leader = getLeader(s, m.failoverEpoch);
  const isLeader = leader !== null && leader.toLowerCase() === s.myid.toLowerCase();
  if (!isLeader && !m.forced) {
    const electionTimeoutUs = Math.min(ELECTION_TIMEOUT_US, m.failoverTimeoutUs);
    if (s.now() - m.failoverStartUs > electionTimeoutUs) {
      s.event('-failover-abort-not-elected', m.inst, '');
      abortFailover(s);
    }
    return;
  }
  s.event('+elected-leader', m.inst, m.forced ? 'forced' : '', { failover_epoch: m.failoverEpoch });
  m.failoverState = 'select_slave';
  m.failoverStateChangeUs = s.now();
  s.event('+failover-state-select-slave', m.inst, '');
}

function selectSlaveState(s: Sentinel): void {
  const m = s.master;
  const allowed = candidates(s);
  const slave = allowed[0] ?? null;
  if (slave === null) {
    s.event('-failover-abort-no-good-slave', m.inst, '');
    abortFailover(s);
    return;
  }
  s.event('+selected-slave', slave, '', {
    failover_epoch: m.failoverEpoch,
    candidates: allowed.map((r) => ({ host: r.host, priority: r.slavePriority, offset: r.slaveReplOffset, runid: r.runid })),
  });
  slave.promoted = true;
  m.promoted = slave;
  m.failoverState = 'send_slaveof_noone';
  m.failoverStateChangeUs = s.now();
  s.event('+failover-state-send-slaveof-noone', slave, '');
}

function sendSlaveofNoOne(s: Sentinel): void {
  const m = s.master;
  const p = m.promoted!;
  if (p.link.disconnected) {
    if (s.now() - m.failoverStateChangeUs > m.failoverTimeoutUs) {
      s.event('-failover-abort-slave-timeout', m.inst, '');
      abortFailover(s);
    }
    return;
  }
  if (!sendSlaveOf(s, p, null)) return;
  s.event('+failover-state-wait-promotion', p, '');
  m.failoverState = 'wait_promotion';
  m.failoverStateChangeUs = s.now();
}

/** sentinelFailoverReconfNextSlave(): `parallel-syncs` replicas at a time, then detect the end. */
function reconfNextSlave(s: Sentinel): void {
  const m = s.master;
  const now = s.now();
  let inProgress = 0;
  for (const r of m.slaves.values()) if (r.reconfSent || r.reconfInprog) inProgress++;
  for (const r of [...m.slaves.values()]) {
    if (inProgress >= m.parallelSyncs) break;
    if (r.promoted || r.reconfDone) continue;
    if (r.reconfSent && now - r.reconfSentUs > SLAVE_RECONF_TIMEOUT_US) {
      s.event('-slave-reconf-sent-timeout', r, '');
      r.reconfSent = false;
      r.reconfDone = true;
    }
    if (r.reconfSent || r.reconfInprog) continue;
    if (r.link.disconnected) continue;
    if (sendSlaveOf(s, r, m.promoted!.host)) {
      r.reconfSent = true;
      r.reconfSentUs = now;
      s.event('+slave-reconf-sent', r, '');
      inProgress++;
    }
  }
  detectEnd(s);
}

/** sentinelFailoverDetectEnd(). */
function detectEnd(s: Sentinel): void {
  const m = s.master;
  const p = m.promoted;
  if (p === null || p.sdown) return;
  let notReconfigured = 0;
  for (const r of m.slaves.values()) {
    if (r.promoted || r.reconfDone || r.sdown) continue;
    notReconfigured++;
  }
  let timeout = false;
  if (s.now() - m.failoverStateChangeUs > m.failoverTimeoutUs) {
    notReconfigured = 0;
    timeout = true;
    s.event('+failover-end-for-timeout', m.inst, '');
  }
  if (notReconfigured === 0) {
    s.event('+failover-end', m.inst, '');
    m.failoverState = 'update_config';
    m.failoverStateChangeUs = s.now();
  }
  if (timeout) {
    for (const r of m.slaves.values()) {
      if (r.promoted || r.reconfDone || r.reconfSent) continue;
      if (r.link.disconnected) continue;
      if (sendSlaveOf(s, r, p.host)) {
        s.event('+slave-reconf-sent-be', r, '');
        r.reconfSent = true;
      }
    }
  }
}

/** sentinelFailoverSwitchToPromotedSlave(). */
export function switchToPromoted(s: Sentinel): void {
  const m = s.master;
  const to = m.promoted ? m.promoted.host : m.inst.host;
  s.event('+switch-master', m.inst, `${m.name} ${m.inst.host} ${REDIS_PORT} ${to} ${REDIS_PORT}`, { config_epoch: m.configEpoch });
  resetMasterAndChangeAddress(s, to);
}

/** sentinelAbortFailover(): only before the promotion was seen. */
export function abortFailover(s: Sentinel): void {
  const m = s.master;
  m.inProgress = false;
  m.forced = false;
  m.failoverState = 'none';
  m.failoverStateChangeUs = s.now();
  if (m.promoted) {
    m.promoted.promoted = false;
    m.promoted = null;
  }
}

/**
 * sentinelResetMaster(): forget replicas (and Sentinels unless keepSentinels), close the links,
 * clear every flag and the vote, allow a failover at once.
 */
export function resetMaster(s: Sentinel, keepSentinels: boolean, announce: boolean, newHost?: string): void {
  const m = s.master;
  for (const r of m.slaves.values()) {
    s.closeLink(r, 'cc');
    s.closeLink(r, 'pc');
  }
  m.slaves.clear();
  if (!keepSentinels) {
    for (const r of m.sentinels.values()) s.closeLink(r, 'cc');
    m.sentinels.clear();
  }
  s.closeLink(m.inst, 'cc');
  s.closeLink(m.inst, 'pc');
  const old = m.inst;
  m.inst = new SentinelInstance('master', newHost ?? old.host, REDIS_PORT, s.now());
  // sentinelResetMaster() resets the instance in place: what it leaves alone carries over. A dead
  // master's last answered hello is old, so the new address gets one as soon as its link is up; INFO
  // waits for the old 10 s period; the reconnection waits a second from the last attempt.
  m.inst.lastPubUs = old.lastPubUs;
  m.inst.infoRefreshUs = old.infoRefreshUs;
  m.inst.link.lastReconnUs = old.link.lastReconnUs;
  m.leader = null;
  m.inProgress = false;
  m.forced = false;
  m.failoverState = 'none';
  m.failoverStateChangeUs = 0;
  m.failoverStartUs = 0;
  m.promoted = null;
  if (announce) s.event('+reset-master', m.inst, '');
}

/** sentinelResetMasterAndChangeAddress(): the old master and the replicas come back as replicas of the new one. */
export function resetMasterAndChangeAddress(s: Sentinel, host: string): void {
  const m = s.master;
  const slaves = [...m.slaves.values()].map((r) => r.host).filter((h) => h !== host);
  if (host !== m.inst.host) slaves.push(m.inst.host);
  resetMaster(s, true, false, host);
  for (const h of slaves) s.addInstance('slave', h, null);
  s.flushConfig();
}
