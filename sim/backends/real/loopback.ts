// The loopback fallback network: every node on 127.0.0.1 with its own free port, run without a
// namespace. Traffic cannot be cut there, so partitions and loss are refused (a UserError).
import { createServer } from 'node:net';
import { UserError } from '../../errors.js';
import type { Endpoint, Fabric } from './fabric.js';
import { netnsUnavailable } from './netns.js';
import { newTag, ReapedFabric, reapStale, Reaper, waitGone } from './reaper.js';

const HOST = '127.0.0.1';
/** Ports below Linux's default ephemeral range (32768-60999), so outgoing connections do not take them meanwhile. */
const PORT_LO = 20_000;
const PORT_HI = 32_000;
/** Ports this process has handed out, so two fabrics in one process never share one. */
const handedOut = new Set<number>();

export class LoopbackFabric extends ReapedFabric implements Fabric {
  readonly kind = 'loopback' as const;
  readonly notes: readonly string[] = [];
  private readonly ports = new Map<string, number>();
  private readonly byPort = new Map<number, string>();

  private constructor(
    readonly nodes: readonly string[],
    ports: number[],
    reaper: Reaper,
  ) {
    super(reaper);
    nodes.forEach((n, i) => {
      this.ports.set(n, ports[i]!);
      this.byPort.set(ports[i]!, n);
    });
  }

  static async create(nodes: string[]): Promise<LoopbackFabric> {
    reapStale();
    const reaper = new Reaper(newTag());
    try {
      const ports: number[] = [];
      let next = PORT_LO + ((process.pid * 131) % (PORT_HI - PORT_LO));
      for (let tries = 0; ports.length < nodes.length; tries++) {
        if (tries > PORT_HI - PORT_LO) throw new Error(`no free port on ${HOST} between ${PORT_LO} and ${PORT_HI}`);
        const port = next;
        next = next + 1 >= PORT_HI ? PORT_LO : next + 1;
        if (handedOut.has(port) || !(await isFree(port))) continue;
        handedOut.add(port);
        ports.push(port);
      }
      return new LoopbackFabric([...nodes], ports, reaper);
    } catch (e) {
      reaper.reap();
      throw e;
    }
  }

  endpoint(name: string): Endpoint {
    return { host: HOST, port: this.portOf(name) };
  }

  controlEndpoint(name: string): Endpoint {
    return this.endpoint(name);
  }

  nameOf(host: string, port: number): string | null {
    if (host !== HOST && host !== 'localhost') return null;
    return this.byPort.get(Number(port)) ?? null;
  }

  wrap(name: string, argv: string[]): string[] {
    this.portOf(name);
    return [...argv];
  }

  bindAddresses(name: string): string[] {
    this.portOf(name);
    return [HOST];
  }

  partition(): Promise<void> {
    return this.refuse('partition');
  }

  cutOneWay(): Promise<void> {
    return this.refuse('partition-oneway');
  }

  isolate(): Promise<void> {
    return this.refuse('isolate');
  }

  /** Nothing is ever cut here. */
  async heal(): Promise<void> {}

  async clear(): Promise<void> {}

  /** Loss 0 is what loopback has; anything else is refused. */
  loss(p: number): Promise<void> {
    return p === 0 ? Promise.resolve() : this.refuse('loss');
  }


  async close(): Promise<void> {
    if (this.reaper.closed) return;
    await waitGone(this.reaper.reap());
    for (const p of this.ports.values()) handedOut.delete(p);
  }

  private portOf(name: string): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new UserError(`unknown node "${name}" (nodes: ${this.nodes.join(', ')})`);
    return port;
  }

  private refuse(what: string): Promise<void> {
    const why = netnsUnavailable();
    return Promise.reject(
      new UserError(
        `${what}: the loopback fallback network (every node on 127.0.0.1) cannot cut or drop traffic between nodes. ` +
          `Running as root with ip and nft (apt-get install iproute2 nftables) gives each node its own network namespace, where ${what} works` +
          (why !== null ? ` (here: ${why})` : ''),
      ),
    );
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: HOST, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
