// The real backend's network: where each node's redis-server listens, how the tool reaches it, and
// how traffic between nodes is cut. Two kinds: netns (a namespace per node on a bridge, nftables
// faults; needs root) and loopback (127.0.0.1 ports, no faults). Cleanup: reaper.ts.
import { UserError } from '../../errors.js';
import { LoopbackFabric } from './loopback.js';
import { NetnsFabric, netnsUnavailable } from './netns.js';

export { netnsUnavailable };

export interface Endpoint {
  host: string;
  port: number;
}

export type FabricKind = 'netns' | 'loopback';

/** What a fabric has made, for tests and for a user looking for leftovers. */
export interface FabricInventory {
  stateFile: string;
  watchdogPid: number | null;
  netns: string[];
  links: string[];
  pids: number[];
  files: string[];
}

export interface Fabric {
  readonly kind: FabricKind;
  /** The node names, in the order given to createFabric. */
  readonly nodes: readonly string[];
  /** What the user should know about this fabric's fidelity (e.g. a sysctl this kernel lacks); usually empty. */
  readonly notes: readonly string[];
  /** Where node `name`'s redis-server listens, as the other nodes reach it (what REPLICAOF names). */
  endpoint(name: string): Endpoint;
  /** Where this tool (in the root namespace) connects to reach node `name`. */
  controlEndpoint(name: string): Endpoint;
  /** The node an address seen in INFO / ROLE / a log line belongs to ("10.x.y.z", port), or null. */
  nameOf(host: string, port: number): string | null;
  /** The argv that runs `argv` inside node `name`'s network (e.g. ['ip','netns','exec',ns,...argv]; loopback: argv). */
  wrap(name: string, argv: string[]): string[];
  /** The addresses redis-server of `name` must bind to (its own address; 127.0.0.1 too inside a namespace). */
  bindAddresses(name: string): string[];
  /**
   * Drop all traffic between nodes of different groups, both directions. As the simulator's
   * partition: added to what is cut already (heal lifts it all), and a node no group names keeps its links.
   */
  partition(groups: string[][]): Promise<void>;
  /** Drop packets from `from` to `to` only (adds to what is cut). */
  cutOneWay(from: string, to: string): Promise<void>;
  /** Cut `name` from every other node, both directions (the simulator's isolate: partition [name] / the rest). */
  isolate(name: string): Promise<void>;
  /** Remove every partition and cut. Loss stays, as in the simulator, where heal does not touch a link's loss: loss(0) or clear() removes it. */
  heal(): Promise<void>;
  /** Remove every partition, cut and loss rule. */
  clear(): Promise<void>;
  /** Drop packets at random with probability p (0..1) between two nodes (both ways), or on every node pair when omitted; 0 removes it. */
  loss(p: number, between?: [string, string]): Promise<void>;
  /** A child process the cleanup must kill (SIGKILL) even if this tool dies. */
  adopt(pid: number): void;
  /** A file or folder the cleanup must remove (recursively) even if this tool dies. */
  adoptPath(path: string): void;
  /** What this fabric has made and not yet removed. */
  inventory(): FabricInventory;
  /** Remove everything created: processes adopted, nft rules, namespaces, links, state files. Idempotent. */
  close(): Promise<void>;
}

/**
 * A fabric for `nodes`. 'auto' takes netns when it works, else loopback; 'netns' where it cannot
 * work is the user's mistake (a UserError with the reason).
 */
export async function createFabric(nodes: string[], opts: { kind: FabricKind | 'auto' }): Promise<Fabric> {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new UserError('the real backend needs at least one node');
  const seen = new Set<string>();
  for (const n of nodes) {
    if (typeof n !== 'string' || n === '') throw new UserError(`node names must be non-empty strings, got ${JSON.stringify(n)}`);
    if (seen.has(n)) throw new UserError(`node "${n}" is named twice`);
    seen.add(n);
  }
  const kind = opts.kind === 'auto' ? (netnsUnavailable() === null ? 'netns' : 'loopback') : opts.kind;
  if (kind === 'netns') {
    const reason = netnsUnavailable();
    if (reason !== null) throw new UserError(`the real backend cannot build its network namespaces: ${reason}. Run as root with ip and nft (apt-get install iproute2 nftables), or use the loopback network (127.0.0.1 ports, no partitions)`);
    return NetnsFabric.create(nodes);
  }
  if (kind === 'loopback') return LoopbackFabric.create(nodes);
  throw new UserError(`unknown network kind ${JSON.stringify(kind)} (netns, loopback or auto)`);
}
