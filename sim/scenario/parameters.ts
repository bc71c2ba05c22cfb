// Scenario parameters: a scenario declares named values with defaults (`"parameters": {"outage":
// 2000}`) and writes `"$outage"` wherever the value goes (`{"op": "sleep", "ms": "$outage"}`).
// Binding replaces each reference by the value (an override from `replsim explore --vary`, else the
// default) before the scenario is validated, and records the values used in `parameters`.

import { UserError } from '../errors.js';

export type ParamValue = number | string;

const REF = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The declared parameters of a raw scenario document (before validation), or {}. */
export function declaredParameters(doc: unknown): Record<string, ParamValue> {
  if (!isObject(doc) || !isObject(doc.parameters)) return {};
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(doc.parameters)) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The document with every "$name" replaced by its value. A scenario without `parameters` is
 * returned as it is (a "$..." string there is ordinary text); with them, a reference to a name it
 * does not declare, or an override of one, is a UserError naming the declared ones.
 */
export function bindParameters(doc: unknown, overrides: Record<string, ParamValue> = {}, source = 'scenario'): unknown {
  const declared = declaredParameters(doc);
  const names = Object.keys(declared);
  const list = names.length ? `declared parameters: ${names.map((n) => `$${n}`).join(', ')}` : 'it declares no "parameters"';
  for (const k of Object.keys(overrides)) {
    if (!Object.hasOwn(declared, k)) throw new UserError(`${source}: unknown parameter "$${k}"; ${list}`);
  }
  if (!isObject(doc) || !isObject(doc.parameters)) return doc;
  const values: Record<string, ParamValue> = { ...declared, ...overrides };
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      const m = REF.exec(v);
      if (!m) return v;
      if (!Object.hasOwn(values, m[1]!)) throw new UserError(`${source}: ${path}: "${v}" names no parameter; ${list}`);
      return values[m[1]!];
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    return v;
  };
  const { parameters: _declared, ...rest } = doc;
  return { ...(walk(rest, '') as Record<string, unknown>), parameters: values };
}
