// The real backend's RESP2 client: one connection, commands pipelined in order, replies parsed into
// plain values (errors are values, not exceptions). Our own rather than a client library on purpose:
// a library's reconnects, offline queue and retries would hide exactly what a run must observe.
import { Socket } from 'node:net';

export type RespValue = string | number | null | RespError | RespValue[];

export class RespError {
  constructor(readonly message: string) {}
}

export class RespClient {
  private buf = Buffer.alloc(0);
  private readonly waiting: { resolve: (v: RespValue) => void; reject: (e: Error) => void }[] = [];
  private closed: Error | null = null;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    const end = (e?: Error) => {
      this.closed = e ?? new Error('connection closed');
      for (const w of this.waiting.splice(0)) w.reject(this.closed);
    };
    sock.on('error', end);
    sock.on('close', () => end());
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const sock = new Socket();
      sock.once('error', reject);
      sock.connect(port, host, () => {
        sock.off('error', reject);
        resolve(new RespClient(sock));
      });
    });
  }

  call(args: (string | number)[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(this.closed);
    const parts = [`*${args.length}\r\n`];
    for (const a of args) {
      const s = String(a);
      parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.sock.write(parts.join(''));
    });
  }

  close(): void {
    this.sock.destroy();
  }

  /** Whether the connection has ended (closed by either side, or failed). */
  get isClosed(): boolean {
    return this.closed !== null;
  }

  private drain(): void {
    for (;;) {
      if (this.waiting.length === 0) return;
      const r = parse(this.buf, 0);
      if (!r) return;
      this.buf = this.buf.subarray(r.next);
      this.waiting.shift()!.resolve(r.value);
    }
  }
}

/** One reply from buf at pos, or null when more bytes are needed. */
function parse(buf: Buffer, pos: number): { value: RespValue; next: number } | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const kind = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, eol);
  const after = eol + 2;
  switch (kind) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new RespError(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      if (buf.length < after + n + 2) return null;
      return { value: buf.toString('utf8', after, after + n), next: after + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        items.push(r.value);
        p = r.next;
      }
      return { value: items, next: p };
    }
    default:
      throw new Error(`RESP: unexpected reply type ${JSON.stringify(kind)}`);
  }
}
