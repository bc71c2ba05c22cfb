// The netns network: one namespace per node, joined by veth pairs to a bridge whose address in the
// root namespace is the tool's (never cut); faults are nftables rules in the namespaces, by address
// pair and direction (cuts.ts). Every name and the /24 are unique per run, so runs can coexist.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { CutTable, nftBaseScript, nftInputScript } from './cuts.js';
import type { Endpoint, Fabric } from './fabric.js';
import { newTag, ReapedFabric, reapStale, Reaper, waitGone } from './reaper.js';

/** Every node listens on Redis's default port, on its own address. */
export const NETNS_PORT = 6379;
/** The /24s tried, 10.160.0.0 - 10.223.255.0: clear of the 10.57/10.58 that test/real/oneway-netns uses. */
const SUBNET_FIRST = 160;
const SUBNET_COUNT = 64 * 256;
const MAX_NODES = 253;

/**
 * Per-namespace TCP settings (each is per network namespace; the root namespace is not touched).
 * After a heal a stalled connection resumes at its next retransmission, and Linux doubles the gap up
 * to tcp_rto_max_ms (120000 by default): after a 10 s partition the next try can be 2-3 s away, after
 * a minute 30 s. 1000 caps the gap, so traffic resumes within about a second of a heal.
 * The kernel's give-up times are counted against the same ceiling (measured on 6.18: with the cap
 * alone an unanswered connect fails after ~7 s instead of ~127 s, and a connection whose data goes
 * unacknowledged after ~15 s instead of ~15 min), so the retry counts go up to keep them:
 * tcp_syn_retries 126 gives the same 127 s; tcp_retries2 255 (its maximum) gives ~255 s instead of
 * ~924 s, still well past any repl-timeout a scenario is likely to set.
 */
const TCP_SYSCTLS: [string, number][] = [
  ['net/ipv4/tcp_rto_max_ms', 1000],
  ['net/ipv4/tcp_syn_retries', 126],
  ['net/ipv4/tcp_retries2', 255],
];
const HAS_RTO_MAX = '/proc/sys/net/ipv4/tcp_rto_max_ms';

interface NodeNet {
  name: string;
  ns: string;
  veth: string;
  ip: string;
}

let cachedReason: string | null | undefined;

/** Netns when root + ip + nft work (reason null), else the reason it cannot. Probed once per process. */
export function netnsUnavailable(): string | null {
  if (cachedReason === undefined) cachedReason = probe();
  return cachedReason;
}

function probe(): string | null {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces, veth links and nftables need it)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'no ip command (apt-get install iproute2)';
  if (spawnSync('nft', ['--version']).status !== 0) return 'no nft command (apt-get install nftables)';
  const ns = `replsim-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return `ip netns add failed: ${(add.stderr || String(add.error)).trim()}`;
  try {
    const nft = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    if (nft.status !== 0) return `nft does not work in a network namespace: ${(nft.stderr || String(nft.error)).trim()}`;
    const bridge = `rsprobe${(process.pid % 1e7).toString(36)}`;
    const br = spawnSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { encoding: 'utf8' });
    if (br.status !== 0) return `cannot create a bridge: ${(br.stderr || String(br.error)).trim()}`;
    spawnSync('ip', ['link', 'del', bridge]);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
  return null;
}

export class NetnsFabric extends ReapedFabric implements Fabric {
  readonly kind = 'netns' as const;
  readonly nodes: readonly string[];
  private readonly byName = new Map<string, NodeNet>();
  private readonly byIp = new Map<string, string>();
  private readonly cuts: CutTable;
  /** The nft script each node's input chain holds now. */
  private readonly applied = new Map<string, string>();
  /** Rule changes apply one after another, in call order. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly nets: NodeNet[],
    readonly bridge: string,
    /** The tool's address on the bridge, "10.a.b.1". */
    readonly controlAddress: string,
    readonly notes: readonly string[],
    reaper: Reaper,
  ) {
    super(reaper);
    this.nodes = nets.map((n) => n.name);
    for (const n of nets) {
      this.byName.set(n.name, n);
      this.byIp.set(n.ip, n.name);
    }
    this.cuts = new CutTable(this.nodes);
  }

  static async create(names: string[]): Promise<NetnsFabric> {
    if (names.length > MAX_NODES) throw new UserError(`the netns network takes at most ${MAX_NODES} nodes (one /24), got ${names.length}`);
    reapStale();
    const tag = newTag();
    const reaper = new Reaper(tag);
    try {
      const bridge = `rsb${tag}`;
      const prefix = await claimSubnet(reaper, bridge, tag);
      const nets = names.map((name, i): NodeNet => ({ name, ns: `replsim-${tag}-${i}-${name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}`, veth: `rsv${tag}-${i}`, ip: `${prefix}.${i + 2}` }));
      const notes: string[] = [];
      const tune = existsSync(HAS_RTO_MAX);
      if (!tune) notes.push('this kernel has no net.ipv4.tcp_rto_max_ms: after a heal a stalled connection resumes at its next retransmission, which can be seconds to minutes away');
      await Promise.all(nets.map((n) => setUpNode(reaper, bridge, n, tune)));
      return new NetnsFabric(nets, bridge, `${prefix}.1`, notes, reaper);
    } catch (e) {
      reaper.reap();
      throw e;
    }
  }

  endpoint(name: string): Endpoint {
    return { host: this.net(name).ip, port: NETNS_PORT };
  }

  /** The same address: the root namespace reaches every node through the bridge, and no rule cuts the bridge's address. */
  controlEndpoint(name: string): Endpoint {
    return this.endpoint(name);
  }

  nameOf(host: string, port: number): string | null {
    return Number(port) === NETNS_PORT ? (this.byIp.get(host) ?? null) : null;
  }

  wrap(name: string, argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.net(name).ns, ...argv];
  }

  bindAddresses(name: string): string[] {
    return [this.net(name).ip, '127.0.0.1'];
  }

  partition(groups: string[][]): Promise<void> {
    return this.change(() => this.cuts.partition(groups));
  }

  cutOneWay(from: string, to: string): Promise<void> {
    return this.change(() => this.cuts.cutOneWay(from, to));
  }

  isolate(name: string): Promise<void> {
    return this.change(() => this.cuts.isolate(name));
  }

  heal(): Promise<void> {
    return this.change(() => this.cuts.heal());
  }

  clear(): Promise<void> {
    return this.change(() => this.cuts.clear());
  }

  loss(p: number, between?: [string, string]): Promise<void> {
    return this.change(() => this.cuts.loss(p, between));
  }


  /** Packets each node's rules dropped so far, by node and sender (nft counters). */
  async dropped(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    await Promise.all(
      this.nets.map(async (n) => {
        const text = await run('ip', ['netns', 'exec', n.ns, 'nft', 'list', 'chain', 'inet', 'replsim', 'input']);
        const counts: Record<string, number> = {};
        for (const m of text.matchAll(/ip saddr (\S+) .*?counter packets (\d+)/g)) counts[this.byIp.get(m[1]!) ?? m[1]!] = Number(m[2]);
        out[n.name] = counts;
      }),
    );
    return out;
  }

  async close(): Promise<void> {
    if (this.reaper.closed) return;
    await this.queue;
    await waitGone(this.reaper.reap());
  }

  private net(name: string): NodeNet {
    const n = this.byName.get(name);
    if (n === undefined) throw new UserError(`unknown node "${name}" (nodes: ${this.nodes.join(', ')})`);
    return n;
  }

  private change(edit: () => void): Promise<void> {
    if (this.reaper.closed) return Promise.reject(new Error('the network fabric is closed'));
    try {
      edit();
    } catch (e) {
      return Promise.reject(e);
    }
    const done = this.queue.then(() => this.apply());
    this.queue = done.catch(() => {});
    return done;
  }

  /** Bring every node's input chain to what the cut table says, one nft transaction per node that changed. */
  private async apply(): Promise<void> {
    await Promise.all(
      this.nets.map(async (n) => {
        const script = nftInputScript(this.cuts.inputRules(n.name), (m) => this.net(m).ip);
        if (this.applied.get(n.name) === script) return;
        await run('ip', ['netns', 'exec', n.ns, 'nft', '-f', '-'], script);
        this.applied.set(n.name, script);
      }),
    );
  }
}

async function setUpNode(reaper: Reaper, bridge: string, n: NodeNet, tune: boolean): Promise<void> {
  reaper.addNetns(n.ns); // listed before it exists: a crash in between leaves nothing unlisted
  await run('ip', ['netns', 'add', n.ns]);
  reaper.addLink(n.veth);
  await run('ip', ['link', 'add', n.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns]);
  await run('ip', ['link', 'set', 'dev', n.veth, 'master', bridge, 'up']);
  await run('ip', ['-n', n.ns, '-batch', '-'], `addr add ${n.ip}/24 dev eth0\nlink set eth0 up\nlink set lo up\n`);
  const sysctls = tune ? TCP_SYSCTLS.map(([k, v]) => `echo ${v} > /proc/sys/${k}`).join('; ') + '; ' : '';
  await run('ip', ['netns', 'exec', n.ns, 'sh', '-c', `set -e; ${sysctls}exec nft -f -`], nftBaseScript());
}

/**
 * A /24 for this run: the first free one in a sequence that starts where the tag hashes, free meaning
 * no address or route in the root namespace overlaps it. The bridge takes .1; if another run took the
 * same /24 at the same moment, both see two addresses in it and move on.
 */
async function claimSubnet(reaper: Reaper, bridge: string, tag: string): Promise<string> {
  reaper.addLink(bridge);
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  await run('ip', ['link', 'set', 'dev', bridge, 'up']);
  let h = 0;
  for (const c of tag) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  for (let k = 0; k < 200; k++) {
    const idx = (h + k * 7919) % SUBNET_COUNT;
    const prefix = `10.${SUBNET_FIRST + Math.floor(idx / 256)}.${idx % 256}`;
    const net: Cidr = { base: ipNumber(`${prefix}.0`), bits: 24 };
    if ((await rootPrefixes()).some((p) => overlaps(p, net))) continue;
    await run('ip', ['addr', 'add', `${prefix}.1/24`, 'dev', bridge]);
    const others = (await rootAddresses()).filter((a) => a.dev !== bridge && overlaps(a.cidr, net));
    if (others.length === 0) return prefix;
    await run('ip', ['addr', 'flush', 'dev', bridge]);
  }
  throw new Error('no free 10.x.y.0/24 for the network namespaces (200 tried)');
}

interface Cidr {
  base: number;
  bits: number;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function cidr(text: string): Cidr {
  const [ip, bits] = text.split('/');
  return { base: ipNumber(ip!), bits: bits === undefined ? 32 : Number(bits) };
}

/** Whether two IPv4 prefixes share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  const size = 2 ** (32 - bits);
  return Math.floor(a.base / size) === Math.floor(b.base / size);
}

async function rootAddresses(): Promise<{ dev: string; cidr: Cidr }[]> {
  const links = JSON.parse(await run('ip', ['-j', '-4', 'addr', 'show'])) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => ({ dev: l.ifname, cidr: { base: ipNumber(a.local), bits: a.prefixlen } })));
}

/** Every IPv4 prefix the root namespace has an address in or a route to (the default route aside). */
async function rootPrefixes(): Promise<Cidr[]> {
  const routes = JSON.parse(await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  const fromRoutes = routes.map((r) => r.dst).filter((d): d is string => d !== undefined && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d) && !d.endsWith('/0')).map(cidr);
  return [...fromRoutes, ...(await rootAddresses()).map((a) => a.cidr)];
}

/** Run a command, feeding it `input`; resolves with its stdout, rejects with its stderr. */
function run(cmd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code ?? signal}`}`))));
    child.stdin.end(input);
  });
}
