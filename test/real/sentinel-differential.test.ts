// Differential tests of Sentinel (issue 11): fixed scripts (master killed, paused, killed and
// restarted, a lagging replica with a better priority) run on real redis-server + redis-sentinel 7.0
// and in the simulator, each reduced to a summary (the leader's events, epochs, who is promoted and
// by which rule, the topology, the old master's conversion, hello bytes) that must be equal.
// Hello bytes are compared by their formula (simulated hosts have names, real ones 127.0.0.1 and ports).
import { describe, expect, it } from 'vitest';
import { sentinelCommand } from './sentinels.js';
import { withReal, withSim, type Backend, type Ev, type Hello, type ServerView, type Setup } from './sentinel-backends.js';

const how = sentinelCommand();
const reason = 'reason' in how ? how.reason : null;
const required = process.env.REPLSIM_REAL_REDIS === '1';
if (reason && !required) console.warn(`test/real/sentinel-differential: skipped: ${reason}`);
/** The simulator runs every script with each of these seeds; every one must give the real summary. */
const SIM_SEEDS = [1, 2, 3];

/** The leader's events that make up a failover's story (verbose ones and -sdown/-odown, which depend on timing, left out). */
const LEADER_EVENTS = new Set([
  '+sdown', '+odown', '+new-epoch', '+try-failover', '+vote-for-leader', '+elected-leader', '+failover-state-select-slave',
  '+selected-slave', '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion', '+promoted-slave',
  '+failover-state-reconf-slaves', '+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done',
  '+failover-end-for-timeout', '+slave-reconf-sent-be', '+failover-end', '+switch-master',
  '-failover-abort-not-elected', '-failover-abort-no-good-slave', '-failover-abort-slave-timeout',
]);
/**
 * Events whose presence depends on timing, left out of the set of every event seen: whether the dead
 * old master's replica entry reached SDOWN before a restart, -odown/-sdown as the "down" replies
 * expire, the converted old master's role as the other Sentinels' next INFO shows it, a rival
 * candidate's vote for itself.
 */
const TIMING = /^([+-]sdown slave old master |-sdown master |-odown |\+role-change |\+vote-for-leader sentinel )/;
const OTHER_EVENTS = new Set(['+new-epoch', '+vote-for-leader', '+elected-leader', '+promoted-slave', '+config-update-from', '+switch-master']);

/** The bytes one command adds to a replication stream. */
function resp(args: string[]): number {
  return args.reduce((n, a) => n + `$${Buffer.byteLength(a)}\r\n`.length + Buffer.byteLength(a) + 2, `*${args.length}\r\n`.length);
}
const SELECT_BYTES = resp(['SELECT', '0']);
/** 47 + digits(L) + L for a payload of L bytes. */
const helloBytes = (payload: string) => resp(['PUBLISH', '__sentinel__:hello', payload]);

/** The replica 7.0.15's rule picks (lower priority, larger offset, smaller run id) and the criterion that decided. */
function ruleChoice(views: Record<string, ServerView>): { name: string; by: 'priority' | 'offset' | 'runid' } {
  const [a, b] = Object.entries(views).sort(([, x], [, y]) =>
    x.priority - y.priority || y.slaveReplOffset - x.slaveReplOffset || (x.runid.toLowerCase() < y.runid.toLowerCase() ? -1 : 1));
  const by = a![1].priority !== b![1].priority ? 'priority' : a![1].slaveReplOffset !== b![1].slaveReplOffset ? 'offset' : 'runid';
  return { name: a![0], by };
}

/** Until s0's offset stops moving; then every hello it executed since the subscription, and that offset. */
async function helloLedger(b: Backend): Promise<{ offset: number; hellos: Hello[] }> {
  let last = -1;
  for (;;) {
    const v = await b.info('s0');
    if (v === 'down') throw new Error('s0 is down');
    if (v.masterReplOffset === last) return { offset: last, hellos: b.hellos() };
    last = v.masterReplOffset;
    await b.sleep(150);
  }
}

/** The stream bytes the hellos explain: one SELECT before the first, 47 + digits(L) + L each. */
function helloCheck(b: Backend, l: { offset: number; hellos: Hello[] }) {
  const bytes = l.hellos.reduce((n, h) => n + helloBytes(h.payload), 0);
  return { explained: l.offset - b.helloBaseOffset === SELECT_BYTES + bytes, count: l.hellos.length };
}

/** Mean ms between one Sentinel's hellos on s0, over every Sentinel with at least three. */
function helloPeriod(hellos: Hello[]): number {
  const by = new Map<string, number[]>();
  for (const h of hellos) {
    const id = h.payload.split(',')[2]!;
    by.set(id, [...(by.get(id) ?? []), h.atMs]);
  }
  const gaps = [...by.values()].filter((t) => t.length >= 3).flatMap((t) => t.slice(1).map((x, i) => x - t[i]!));
  return gaps.reduce((a, x) => a + x, 0) / gaps.length;
}

interface Summary {
  elections: number;
  leader: string[];
  others: string[];
  epochs: number[];
  configEpochs: number[];
  views: string[];
  promoted: string;
  topology: Record<string, string>;
  /** The promoted replica's sync counters: how the others joined it (full, partial ok, partial refused). */
  promotedSyncs: string;
  /**
   * Per Sentinel, when its first hello reached the new master after its +switch-master: the switch
   * keeps the master instance's hello clock, so one goes out as soon as the link is back (real: 0.8 s).
   */
  helloAfterSwitch: string;
  /**
   * Whether a Sentinel sent the returning old master SLAVEOF. Usually one does; after SIGSTOP every
   * Sentinel's INFO of it is answered at the SIGCONT, their next ones come 10 s later within a tick of
   * each other, and two may convert it (the simulator: 1 seed in 60; real 7.0.15 by the same rule).
   */
  converted: boolean;
}

/**
 * Milestones of the run in ms after the fault (intervals() says which are compared, with a
 * tolerance), and how many Sentinels converted the old master.
 */
type Times = Record<string, number>;

async function summarize(b: Backend, faultMs: number, candidates: Record<string, ServerView>): Promise<{ summary: Summary; times: Times; kinds: string[] }> {
  const evs = b.events().filter((e) => e.atMs >= faultMs);
  const elected = evs.filter((e) => e.event === '+elected-leader');
  const leader = elected[0]?.from ?? 'none';
  const promotedEv = evs.find((e) => e.event === '+promoted-slave');
  const promoted = promotedEv ? promotedEv.text.split(' ')[1]! : 'none';
  const rule = ruleChoice(candidates);
  const role = (n: string | null) => (n === 's0' ? 'old master' : n === promoted ? 'promoted' : n === null ? '-' : 'other replica');
  const topology: Record<string, string> = {};
  let promotedSyncs = 'none';
  for (const n of b.servers) {
    const v = await b.info(n);
    topology[role(n)] = v === 'down' ? 'down' : v.role === 'master' ? 'master' : `replica of ${role(v.masterHost)}`;
    if (n === promoted && v !== 'down') promotedSyncs = `full ${v.syncs[0]}, partial ok ${v.syncs[1]}, partial refused ${v.syncs[2]}`;
  }
  const views: string[] = [];
  const configEpochs: number[] = [];
  for (const x of b.sentinels) {
    const v = await b.sentinelView(x);
    views.push(role(v.master));
    configEpochs.push(v.configEpoch);
  }
  // names become roles: the promoted replica may be s1 or s2, the leader any Sentinel
  const label = (t: string) => t.replace(/ #quorum \d+\/\d+$/, '').replace(/\b[sx]\d\b/g, (n) => (n.startsWith('x') ? (n === leader ? 'leader' : 'sentinel') : role(n)));
  const story = (x: string, set: Set<string>) => evs.filter((e) => e.from === x && set.has(e.event) && (e.event !== '+sdown' || e.text.startsWith('master ')));
  const epochOf = (x: string) => Math.max(0, ...evs.filter((e) => e.from === x && e.event === '+new-epoch').map((e) => Number(/(\d+)$/.exec(e.text)![1])));
  const first = (event: string, pred: (e: Ev) => boolean = () => true) => {
    const e = evs.find((e) => e.event === event && pred(e));
    return e ? Math.round(e.atMs - faultMs) : -1;
  };
  const isOld = (e: Ev) => e.text.startsWith('slave s0 ');
  // the Sentinels that switched at least 1.5 s ago (the leader switches last, at +failover-end)
  const afterSwitch = b.sentinels.flatMap((x) => {
    const sw = evs.find((e) => e.from === x && e.event === '+switch-master');
    if (!sw || b.nowMs() - sw.atMs < 1500) return [];
    // (a hello sent as the switch happens may reach the subscriber on the new master a moment before
    // the event reaches the subscriber on the Sentinel: seen once in three real runs)
    const h = b.hellos(promoted).find((h) => h.from === x && h.atMs >= sw.atMs - 50);
    return [h ? Math.max(0, Math.round(h.atMs - sw.atMs)) : Infinity];
  });
  return {
    summary: {
      elections: elected.length,
      leader: story(leader, LEADER_EVENTS).map((e) => `${e.event} ${label(e.text)}`),
      // names only: a voter that reached ODOWN before the request came votes for itself (real, 1 run in 25)
      others: b.sentinels.filter((x) => x !== leader).map((x) => story(x, OTHER_EVENTS).map((e) => e.event).join(' ')).sort(),
      epochs: b.sentinels.map(epochOf).sort(),
      configEpochs: configEpochs.sort(),
      views: views.sort(),
      promoted: `${promoted === rule.name ? 'by the rule' : `NOT by the rule (${rule.name})`}, decided by ${rule.by}${rule.by === 'runid' ? '' : `: ${promoted}`}`,
      topology,
      promotedSyncs,
      helloAfterSwitch: afterSwitch.length === b.sentinels.length && afterSwitch.every((ms) => ms <= 1500) ? 'within 1.5 s' : `later: ${afterSwitch.join(', ')} ms`,
      converted: evs.some((e) => e.event === '+convert-to-slave' && isOld(e)),
    },
    kinds: [...new Set(evs.map((e) => `${e.event} ${label(e.text)}`))].filter((k) => !TIMING.test(k)).sort(),
    times: {
      sdown: first('+sdown', (e) => e.text.startsWith('master ')), odown: first('+odown'), elected: first('+elected-leader'),
      selected: first('+selected-slave'), promoted: first('+promoted-slave'), firstSwitch: first('+switch-master'),
      failoverEnd: first('+failover-end'), helloAfterSwitch: Math.max(...afterSwitch),
      convertedBy: new Set(evs.filter((e) => e.event === '+convert-to-slave' && isOld(e)).map((e) => e.from)).size, firstMasterReport: first('-role-change', isOld), converted: first('+convert-to-slave', isOld),
    },
  };
}

/** INFO of the replicas a moment after the fault: what the selection rule sees. */
async function candidatesNow(b: Backend): Promise<Record<string, ServerView>> {
  await b.sleep(500);
  const out: Record<string, ServerView> = {};
  for (const n of ['s1', 's2']) out[n] = (await b.info(n)) as ServerView;
  return out;
}

const promotedNow = (b: Backend) => b.events().find((e) => e.event === '+promoted-slave')?.text.split(' ')[1];
const ended = (b: Backend) => b.events().some((e) => e.event === '+failover-end');

/** Every Sentinel names the promoted replica and the other replica follows it. */
async function settled(b: Backend): Promise<boolean> {
  const p = promotedNow(b);
  if (!p) return false;
  for (const x of b.sentinels) if ((await b.sentinelView(x)).master !== p) return false;
  const other = p === 's1' ? 's2' : 's1';
  const v = await b.info(other);
  return v !== 'down' && v.masterHost === p;
}

async function converted(b: Backend): Promise<boolean> {
  const v = await b.info('s0');
  const p = promotedNow(b);
  return v !== 'down' && v.role === 'slave' && v.masterHost === p;
}

interface Outcome {
  summary: Summary;
  /** Every other event any Sentinel published after the fault, as a set (roles for names). */
  kinds: string[];
  times: Times;
  hello: { explained: boolean; count: number; periodMs?: number; burst?: { explained: boolean; count: number; says: string[] } };
}

interface Script {
  fault: 'kill' | 'pause';
  setup: Setup;
  run(b: Backend): Promise<Outcome>;
}

// down-after 2000 ms: with 1000 a just-switched Sentinel can start a second failover against the new
// master (research/redis-sentinel-observed.md (a)), a race that would make the real side flaky.
const TIMERS = { downAfterMs: 2000, failoverTimeoutMs: 4000 };

const SCRIPTS: Record<string, Script> = {
  'master SIGKILL: one leader in epoch 1 promotes the replica the rule picks, the other follows it': {
    fault: 'kill',
    setup: TIMERS,
    async run(b) {
      await b.sleep(4500); // three hellos from each Sentinel for the period
      const ledger = await helloLedger(b);
      const t = b.nowMs();
      await b.kill('s0');
      const cands = await candidatesNow(b);
      await b.waitUntil(() => ended(b), 30_000, '+failover-end');
      await b.waitUntil(() => settled(b), 15_000, 'every Sentinel switched');
      await b.sleep(1600); // the leader switched last: its first hello to the new master
      return { ...(await summarize(b, t, cands)), hello: { ...helloCheck(b, ledger), periodMs: helloPeriod(ledger.hellos) } };
    },
  },
  'master SIGSTOP for 6 s (> down-after) then SIGCONT: failed over while stopped, converted after it reports master; its queued hellos run at once': {
    fault: 'pause',
    setup: TIMERS,
    async run(b) {
      const ledger = await helloLedger(b);
      const t = b.nowMs();
      await b.pause('s0', 6000);
      const cands = await candidatesNow(b);
      await b.sleep(t + 6300 - b.nowMs());
      const after = await helloLedger(b);
      // s0 executes nothing while stopped: what it received since the ledger, up to 300 ms after SIGCONT, is the queue
      const since = after.hellos.slice(ledger.hellos.length);
      const burst = since.filter((h) => h.atMs <= t + 6300);
      const p = promotedNow(b);
      // epoch, master and config epoch as each queued hello had them when the Sentinel queued it
      const says = [...new Set(burst.map((h) => h.says.replace(/\bs\d\b/, (n) => (n === 's0' ? 'old master' : n === p ? 'promoted' : 'other replica'))))].sort();
      await b.waitUntil(() => converted(b), 20_000, 'the old master converted');
      await b.sleep(500); // its PSYNC
      return {
        ...(await summarize(b, t, cands)),
        hello: { ...helloCheck(b, ledger), burst: { explained: after.offset - ledger.offset === since.reduce((n, h) => n + helloBytes(h.payload), 0), count: burst.length, says } },
      };
    },
  },
  'master SIGKILL, restarted (empty, as a master) after the failover: one Sentinel converts it': {
    fault: 'kill',
    setup: TIMERS,
    async run(b) {
      const ledger = await helloLedger(b);
      const t = b.nowMs();
      await b.kill('s0');
      const cands = await candidatesNow(b);
      await b.waitUntil(() => ended(b), 30_000, '+failover-end');
      await b.waitUntil(() => settled(b), 15_000, 'every Sentinel switched');
      await b.restart('s0');
      await b.waitUntil(() => converted(b), 20_000, 'the old master converted');
      await b.sleep(500); // its PSYNC
      return { ...(await summarize(b, t, cands)), hello: helloCheck(b, ledger) };
    },
  },
  'replica-priority 10 on a replica 10 writes behind: it is promoted, the up-to-date one is re-pointed to it': {
    fault: 'kill',
    setup: { ...TIMERS, perServer: { s1: { 'replica-priority': 10 } } },
    async run(b) {
      const ledger = await helloLedger(b);
      await b.lag('s1');
      for (let i = 0; i < 10; i++) await b.set(`k${i}`, 'v');
      await b.waitUntil(async () => {
        const [m, a, c] = [await b.info('s0'), await b.info('s1'), await b.info('s2')] as ServerView[];
        return c!.slaveReplOffset === m!.masterReplOffset && a!.slaveReplOffset < c!.slaveReplOffset;
      }, 5000, 's2 ahead of s1');
      const t = b.nowMs();
      await b.kill('s0');
      const cands = await candidatesNow(b);
      await b.waitUntil(() => ended(b), 30_000, '+failover-end');
      await b.waitUntil(() => settled(b), 15_000, 'every Sentinel switched');
      await b.sleep(1600); // the leader switched last: its first hello to the new master
      return { ...(await summarize(b, t, cands)), hello: helloCheck(b, ledger) };
    },
  },
};

/**
 * Intervals between milestones that 7.0.15's periods decide: SDOWN down-after plus a tick after a kill
 * (the closed link is reconnected at the next tick, and its PING starts the clock), INFO to replicas
 * every second once the master is ODOWN, the forced hello after the promotion, failover-timeout, the
 * 8 s rule checked at a 10 s INFO. After SIGSTOP the SDOWN time depends on where the PING period was.
 */
function intervals(t: Times, fault: 'kill' | 'pause'): Record<string, number> {
  const out: Record<string, number> = {
    'selected to promoted': t.promoted! - t.selected!,
    'promoted to the first switch': t.firstSwitch! - t.promoted!,
    'promoted to failover end': t.failoverEnd! - t.promoted!,
  };
  if (fault === 'kill') out['kill to sdown'] = t.sdown!;
  if (t.converted! >= 0) out['reported master to converted'] = t.converted! - t.firstMasterReport!;
  return out;
}

describe.skipIf(reason !== null && !required)(`Sentinel: the simulator against real redis-sentinel ${'version' in how ? how.version : '(not installed)'}`, () => {
  it('redis-sentinel is available and is 7.0', () => {
    expect(reason).toBeNull();
  });

  const reals = new Map<string, Outcome>();
  for (const [title, script] of Object.entries(SCRIPTS)) {
    it(title, async () => {
      const real = await withReal(script.setup, (b) => script.run(b));
      reals.set(title, real);
      console.log(`${title}\n  real: ${JSON.stringify(real)}`);
      for (const seed of SIM_SEEDS) {
        const sim = await withSim(script.setup, seed, (b) => script.run(b));
        console.log(`  sim seed ${seed}: ${JSON.stringify({ ...sim, summary: undefined, kinds: undefined })}`);
        expect({ seed, ...sim.summary }).toEqual({ seed, ...real.summary });
        expect({ seed, kinds: sim.kinds }).toEqual({ seed, kinds: real.kinds });
        expect([sim.hello.explained, real.hello.explained]).toEqual([true, true]);
        const [si, ri] = [intervals(sim.times, script.fault), intervals(real.times, script.fault)];
        expect(Object.keys(si)).toEqual(Object.keys(ri));
        for (const k of Object.keys(ri)) expect({ k, off: Math.abs(si[k]! - ri[k]!) > 350 ? si[k]! - ri[k]! : 0 }).toEqual({ k, off: 0 });
        if (real.hello.periodMs !== undefined) {
          // one hello per Sentinel per instance once the last was answered more than 2 s ago, checked each tick (52-100 ms)
          for (const p of [real.hello.periodMs, sim.hello.periodMs!]) expect(p > 2000 && p < 2110).toBe(true);
          expect(Math.abs(sim.hello.periodMs! - real.hello.periodMs)).toBeLessThan(80);
        }
        if (real.hello.burst) {
          expect([sim.hello.burst!.explained, real.hello.burst.explained]).toEqual([true, true]);
          expect(sim.hello.burst!.says).toEqual(real.hello.burst.says);
          // a PUBLISH queued every tick while unanswered, up to 100 pending commands a link
          expect(Math.abs(sim.hello.burst!.count - real.hello.burst.count)).toBeLessThan(real.hello.burst.count * 0.35);
        }
      }
    }, 120_000);
  }

  it('the comparison catches a simulated Sentinel that ignores replica-priority (mutant sentinel-ignores-priority)', async () => {
    const title = Object.keys(SCRIPTS).find((t) => t.startsWith('replica-priority'))!;
    const real = reals.get(title);
    expect(real, 'the real run of the replica-priority script').toBeDefined();
    const buggy = await withSim(SCRIPTS[title]!.setup, 1, (b) => SCRIPTS[title]!.run(b), 'sentinel-ignores-priority');
    expect(real!.summary.promoted).toBe('by the rule, decided by priority: s1');
    expect(buggy.summary.promoted).toBe('NOT by the rule (s1), decided by priority: s2');
  });
});
