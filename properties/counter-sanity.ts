// Property 5: every PSYNC a node serves moves exactly one of sync_partial_ok / sync_full, and
// sync_partial_err moves with sync_full only for a PSYNC that named an id; sync_partial_err never
// exceeds sync_full; a node's offset never goes back within one replid except through a full sync
// or a restart (both legitimately move it: a sub-replica ahead of an intermediate that restarted
// from an older RDB full syncs back to the intermediate's offset, on the same replid).

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty, short } from './types.js';

interface Counts {
  ok: number;
  full: number;
  err: number;
}

export class CounterSanity extends BaseProperty {
  readonly name = 'counter-sanity';
  readonly types: readonly TraceEvent['type'][] = ['redis.start', 'redis.replid', 'redis.resetstat', 'redis.psync', 'redis.obs'];
  private readonly expected = new Map<string, Counts>();
  private readonly lastPos = new Map<string, { replid: string; offset: number }>();
  private readings = 0;

  private counts(node: string): Counts {
    let c = this.expected.get(node);
    if (!c) this.expected.set(node, (c = { ok: 0, full: 0, err: 0 }));
    return c;
  }

  onEvent(e: TraceEvent): void {
    switch (e.type) {
      case 'redis.start':
        this.expected.set(e.node, { ok: 0, full: 0, err: 0 });
        this.lastPos.delete(e.node);
        return;
      case 'redis.replid':
        if (e.reason === 'full-sync') this.lastPos.delete(e.node);
        return;
      case 'redis.resetstat':
        this.expected.set(e.node, { ok: 0, full: 0, err: 0 });
        return;
      case 'redis.psync': {
        const c = this.counts(e.node);
        if (e.result === 'continue') c.ok++;
        else {
          c.full++;
          if (!e.requested_replid.startsWith('?')) c.err++;
        }
        return;
      }
      case 'redis.obs': {
        this.readings++;
        const c = this.counts(e.node);
        if (e.sync_partial_ok !== c.ok || e.sync_full !== c.full || e.sync_partial_err !== c.err) {
          this.violate(e.t, [e.node], `${e.node} reports sync_partial_ok=${e.sync_partial_ok} sync_full=${e.sync_full} sync_partial_err=${e.sync_partial_err}, but it served ${c.ok} partial and ${c.full} full syncs (${c.err} of them after a failed PSYNC with an id): each PSYNC must move exactly one of sync_partial_ok / sync_full.`);
          this.expected.set(e.node, { ok: e.sync_partial_ok, full: e.sync_full, err: e.sync_partial_err });
        }
        if (e.sync_partial_err > e.sync_full) this.violate(e.t, [e.node], `${e.node}: sync_partial_err (${e.sync_partial_err}) exceeds sync_full (${e.sync_full}); every failed partial attempt falls back to a full sync.`);
        const last = this.lastPos.get(e.node);
        if (e.meaningful) {
          if (last && last.replid === e.replid && e.offset < last.offset) {
            this.violate(e.t, [e.node], `${e.node}'s offset went back from ${last.offset} to ${e.offset} within replid ${short(e.replid)}.`);
          }
          this.lastPos.set(e.node, { replid: e.replid, offset: e.offset });
        }
        return;
      }
      default:
        return;
    }
  }

  checked(): number {
    return this.readings;
  }

  stats(): Record<string, number> {
    return { readings_checked: this.readings };
  }
}
