// What `expect`, `run-until` and `expect-equal` read and how they compare: a node's INFO fields (and
// `digest`, `dbsize`), and the matchers: a value, min, max, not, changedSince.

import type { World } from '../../cluster/world.js';
import type { Matcher } from '../types.js';
import { infoFields } from '../../redis/info.js';

export function fieldValue(w: World, node: string, field: string): string | number | null {
  const n = w.nodeOrNull(node);
  if (!n) return null;
  if (field === 'digest') return n.ds.digest();
  if (field === 'dbsize') return n.ds.dbsize(0);
  const v = infoFields(n)[field];
  return v === undefined ? null : v;
}

/** `earlier`: the field's value right after the step a `changedSince` matcher names. */
export function matches(actual: string | number | null, m: Matcher, earlier?: string | number | null): boolean {
  if (actual === null) return false;
  if (typeof m === 'object') {
    if (m.changedSince !== undefined && String(actual) === String(earlier)) return false;
    if (m.not !== undefined && String(actual) === String(m.not)) return false;
    if (m.min !== undefined && !(typeof actual === 'number' && actual >= m.min)) return false;
    if (m.max !== undefined && !(typeof actual === 'number' && actual <= m.max)) return false;
    return true;
  }
  return String(actual) === String(m);
}

export function describeMatcher(m: Matcher): string {
  if (typeof m !== 'object') return JSON.stringify(m);
  return Object.entries(m).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(' and ');
}
