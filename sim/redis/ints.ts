// The integers Redis's commands accept (string2ll() in util.c, behind getLongLongFromObject()): an
// optional '-' and decimal digits, no '+', no spaces, no leading zero (not "01", "-0" or "00"),
// within a signed 64-bit integer. Measured on redis-server 7.0.15: "PSYNC ? 01", "SELECT +1" and
// "WAIT 0 01" are refused as not integers.

/** getIntFromObject()'s range (a C int). */
export const INT32_MAX = 2147483647n;
export const INT32_MIN = -2147483648n;

export const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/** The value of `s` as string2ll() reads it, or null when Redis refuses it as "not an integer". */
export function parseInt64(s: string): bigint | null {
  if (!/^-?\d{1,19}$/.test(s) || /^-?0\d/.test(s) || s === '-0') return null;
  const v = BigInt(s);
  return v > MAX_INT64 || v < MIN_INT64 ? null : v;
}
