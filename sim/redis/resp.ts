// Byte lengths of the replication stream: every propagated command is a RESP multibulk
// (`*<argc>\r\n` then `$<len>\r\n<arg>\r\n` per argument), and offsets count exactly these bytes.

import { Recent } from '../kernel/recent.js';

/** Digits of a non-negative integer (lengths and counts: almost always under 10000). */
export function decimalDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  let d = 5;
  for (n = Math.floor(n / 100000); n > 0; n = Math.floor(n / 10)) d++;
  return d;
}

/** UTF-8 byte length of a string (ASCII fast path; long strings natively, the last few remembered). */
export function byteLength(s: string): number {
  const n = s.length;
  if (n >= LONG_STRING) return longByteLength(s);
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

// A long value (a workload's can be 100 kB) is measured by the master's stream, its AOF, the client
// that sent it and every replica's AOF: the byte lengths of the last few are kept
const LONG_STRING = 256;
const LONG_BYTES = new Recent<number>(8);

function longByteLength(s: string): number {
  return LONG_BYTES.find(s) ?? LONG_BYTES.add(s, Buffer.byteLength(s, 'utf8'));
}

/** Bytes of one command in RESP multibulk form. */
export function respCommandBytes(args: readonly string[]): number {
  let total = 1 + decimalDigits(args.length) + 2;
  for (const a of args) {
    const len = byteLength(a);
    total += 1 + decimalDigits(len) + 2 + len + 2;
  }
  return total;
}

const UPPER = new Map<string, string>();

/**
 * A command name in upper case, as the command table is keyed: the same few names arrive for every
 * command, so they are remembered (a bounded cache of a pure function: no effect on any result).
 */
export function commandName(s: string): string {
  let u = UPPER.get(s);
  if (u === undefined) {
    u = s.toUpperCase();
    if (UPPER.size < 1024) UPPER.set(s, u);
  }
  return u;
}

/** Well-known commands of the stream and their sizes (checked against real Redis in the tests). */
export const PING_ARGS: readonly string[] = ['PING'];
export const GETACK_ARGS: readonly string[] = ['REPLCONF', 'GETACK', '*'];
export const MULTI_ARGS: readonly string[] = ['MULTI'];
export const EXEC_ARGS: readonly string[] = ['EXEC'];

export function selectArgs(db: number): string[] {
  return ['SELECT', String(db)];
}
