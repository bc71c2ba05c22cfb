// Durations and rates as scenario files write them: "500us", "200ms", "2s", "1m" (a bare number
// is milliseconds); "1gbit", "100mbit", "10MB" per second (a bare number is bytes per second).

import { UserError } from './errors.js';

const DURATION_US: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };
const RATE_BYTES: Record<string, number> = { bit: 1 / 8, kbit: 1000 / 8, mbit: 1e6 / 8, gbit: 1e9 / 8, B: 1, KB: 1000, MB: 1e6, GB: 1e9 };

export function parseDurationUs(v: number | string, what: string): number {
  if (typeof v === 'number') {
    if (v >= 0 && Number.isFinite(v)) return Math.round(v * 1000);
  } else {
    const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m)$/.exec(v.trim());
    if (m) return Math.round(Number(m[1]) * DURATION_US[m[2]!]!);
  }
  throw new UserError(`${what}: expected a duration like 500, "500us", "200ms", "2s" or "1m", got ${JSON.stringify(v)}`);
}

export function parseRateBytesPerSec(v: number | string, what: string): number {
  if (typeof v === 'number') {
    if (v > 0 && Number.isFinite(v)) return v;
  } else {
    const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit|B|KB|MB|GB)$/.exec(v.trim());
    if (m && Number(m[1]) > 0) return Number(m[1]) * RATE_BYTES[m[2]!]!;
  }
  throw new UserError(`${what}: expected a bandwidth like "1gbit", "100mbit" or "10MB", got ${JSON.stringify(v)}`);
}

const CLI_DURATION_US: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000, min: 60_000_000, h: 3_600_000_000 };

/** A duration flag (--max-sim-time, --timeout): a number with a unit, "600s", "10min", "1h", "1.5h", "500ms". */
export function parseFlagDurationUs(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m|min|h)$/.exec(v.trim());
  const us = m ? Math.round(Number(m[1]) * CLI_DURATION_US[m[2]!]!) : NaN;
  if (!(us > 0) || !Number.isSafeInteger(us)) throw new UserError(`${flag}: expected a positive duration with a unit like 600s, 10min or 1h (units: us, ms, s, min, h), got "${v}"`);
  return us;
}
