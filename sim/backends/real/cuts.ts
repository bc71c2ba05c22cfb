// Which directions between nodes are cut or lossy, kept as the simulator's network keeps them
// (partitions add up, hosts a partition does not name keep their links, heal lifts the cuts and
// leaves loss), and the nftables input chain that enforces it in each node's namespace.
import { UserError } from '../../errors.js';

/** nft's random drop compares `numgen random mod LOSS_SCALE` with p * LOSS_SCALE: p in steps of 1e-6. */
export const LOSS_SCALE = 1_000_000;

/** One rule of a node's input chain: packets from `from` are dropped with probability `p` (1: always). */
export interface InputRule {
  from: string;
  p: number;
}

export class CutTable {
  /** "from\0to": packets from `from` to `to` are dropped. */
  private readonly cuts = new Set<string>();
  /** "from\0to" -> drop probability, 0 < p <= 1. */
  private readonly lossP = new Map<string, number>();

  constructor(readonly nodes: readonly string[]) {}

  /** Cut both ways between every pair of groups; added to what is cut already, as in the simulator. */
  partition(groups: string[][]): void {
    if (!Array.isArray(groups) || groups.some((g) => !Array.isArray(g))) throw new UserError('partition: groups must be a list of lists of node names');
    const seen = new Map<string, number>();
    groups.forEach((g, i) =>
      g.forEach((n) => {
        this.check('partition', n);
        const before = seen.get(n);
        if (before !== undefined && before !== i) throw new UserError(`partition: node "${n}" is in two groups (${before + 1} and ${i + 1})`);
        seen.set(n, i);
      }),
    );
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) this.cuts.add(key(a, b));
      }
    }
  }

  /** Drop packets from `from` to `to` only. */
  cutOneWay(from: string, to: string): void {
    this.check('cutOneWay', from);
    this.check('cutOneWay', to);
    if (from === to) throw new UserError(`cutOneWay: from and to are the same node "${from}"`);
    this.cuts.add(key(from, to));
  }

  /** Cut `name` from every other node, both ways (the simulator's isolate: a partition [name] / the rest). */
  isolate(name: string): void {
    this.check('isolate', name);
    this.partition([[name], this.nodes.filter((n) => n !== name)]);
  }

  /** Lift every cut; loss stays (set it to 0 to remove it), as the simulator's heal. */
  heal(): void {
    this.cuts.clear();
  }

  /** Lift every cut and every loss. */
  clear(): void {
    this.cuts.clear();
    this.lossP.clear();
  }

  /** Drop with probability p both ways between two nodes, or between every pair when `between` is omitted; 0 removes it. */
  loss(p: number, between?: [string, string]): void {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) throw new UserError(`loss: the probability must be a number from 0 to 1, got ${String(p)}`);
    let pairs: [string, string][];
    if (between === undefined) {
      pairs = this.nodes.flatMap((a) => this.nodes.filter((b) => b !== a).map((b): [string, string] => [a, b]));
    } else {
      const [a, b] = between;
      this.check('loss', a);
      this.check('loss', b);
      if (a === b) throw new UserError(`loss: between names the same node "${a}" twice`);
      pairs = [
        [a, b],
        [b, a],
      ];
    }
    for (const [a, b] of pairs) {
      if (p === 0) this.lossP.delete(key(a, b));
      else this.lossP.set(key(a, b), p);
    }
  }

  isCut(from: string, to: string): boolean {
    return this.cuts.has(key(from, to));
  }

  /** The drops `node` applies to what it receives, in node order; a cut outranks loss. */
  inputRules(node: string): InputRule[] {
    const out: InputRule[] = [];
    for (const from of this.nodes) {
      if (from === node) continue;
      const p = this.cuts.has(key(from, node)) ? 1 : (this.lossP.get(key(from, node)) ?? 0);
      if (p > 0) out.push({ from, p });
    }
    return out;
  }

  private check(op: string, name: unknown): void {
    if (typeof name !== 'string' || !this.nodes.includes(name)) throw new UserError(`${op}: unknown node ${JSON.stringify(name)} (nodes: ${this.nodes.join(', ')})`);
  }
}

function key(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

export const NFT_TABLE = 'replsim';

/** The table and its input chain, empty: what a node's namespace starts with. */
export function nftBaseScript(): string {
  return `table inet ${NFT_TABLE} {\n  chain input {\n    type filter hook input priority filter; policy accept;\n  }\n}\n`;
}

/**
 * One nft transaction that replaces a node's input rules: applied by `nft -f`, all at once or not at
 * all. Matching on the source address at the receiver's input drops a direction only, and leaves
 * connections open: TCP stalls and retransmits, then resumes after the heal, as on a real network.
 */
export function nftInputScript(rules: InputRule[], addressOf: (node: string) => string): string {
  const lines = [`flush chain inet ${NFT_TABLE} input`];
  for (const r of rules) {
    const threshold = Math.round(r.p * LOSS_SCALE);
    if (threshold <= 0) continue;
    const random = threshold >= LOSS_SCALE ? '' : ` numgen random mod ${LOSS_SCALE} < ${threshold}`;
    lines.push(`add rule inet ${NFT_TABLE} input ip saddr ${addressOf(r.from)}${random} counter drop`);
  }
  return lines.join('\n') + '\n';
}
