// A tool that the fabric tests kill: builds a fabric (kind from argv[2]) of two nodes, starts a
// redis-server in the first through wrap(), adopts it and a scratch folder, prints its inventory as
// one JSON line and "ready", then idles until it is killed.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFabric, type FabricKind } from '../../sim/backends/real/fabric.js';

const fabric = await createFabric(['x', 'y'], { kind: process.argv[2] as FabricKind });
const dir = mkdtempSync(join(tmpdir(), 'replsim-fabric-child-'));
fabric.adoptPath(dir);
const ep = fabric.endpoint('x');
const [cmd, ...args] = fabric.wrap('x', ['redis-server', '--bind', fabric.bindAddresses('x').join(' '), '--port', String(ep.port), '--save', '', '--dir', dir, '--logfile', join(dir, 'x.log')]);
const child = spawn(cmd!, args, { stdio: 'ignore' });
fabric.adopt(child.pid!);
process.stdout.write(`${JSON.stringify({ ...fabric.inventory(), dir })}\nready\n`);
setInterval(() => {}, 1000);
