// Sentinel's replica choice, judged twice. By its own rule: the replica it selected is the best of
// the candidates it listed (lowest replica-priority, then largest offset, then smallest run id;
// never priority 0) - a violation otherwise. Against the trace: the replica chosen may lag another
// running replica of the same history (stale INFO), or be on another history than the master it
// replaces (the rule compares offsets, not replication ids) - measured and noted, as Sentinel allows both.

import type { TraceEvent } from '../sim/trace-events.js';
import type { ClusterView } from './view.js';
import { BaseProperty, short } from './types.js';
import { instanceHost } from './one-master-per-epoch.js';

type Candidate = NonNullable<Extract<TraceEvent, { type: 'sentinel.event' }>['candidates']>[number];

function better(a: Candidate, b: Candidate): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.offset !== b.offset) return a.offset > b.offset;
  if (a.runid === null || b.runid === null) return a.runid !== null;
  return a.runid.toLowerCase() < b.runid.toLowerCase();
}

export class FailoverChoice extends BaseProperty {
  readonly name = 'failover-choice';
  readonly types: readonly TraceEvent['type'][] = ['sentinel.event'];
  private choices = 0;
  private lagging = 0;
  private otherHistory = 0;
  private readonly lines: string[] = [];

  constructor(private readonly view: ClusterView) {
    super();
  }

  onEvent(e: TraceEvent): void {
    if (e.type !== 'sentinel.event' || e.event !== '+selected-slave' || !e.candidates) return;
    this.choices++;
    const chosen = instanceHost(e.instance);
    const c = e.candidates.find((x) => x.host === chosen);
    if (!c) {
      this.violate(e.t, chosen ? [chosen] : [], `${e.sentinel} selected ${chosen}, which is not among the replicas its rule allowed (${e.candidates.map((x) => x.host).join(', ') || 'none'})`);
      return;
    }
    if (c.priority === 0) this.violate(e.t, [c.host], `${e.sentinel} selected ${c.host}, whose replica-priority is 0 (never promoted)`);
    const best = e.candidates.find((x) => x !== c && better(x, c));
    if (best) this.violate(e.t, [c.host, best.host], `${e.sentinel} selected ${c.host} (priority ${c.priority}, offset ${c.offset}) over ${best.host} (priority ${best.priority}, offset ${best.offset}): the rule orders priority, then offset, then run id`);
    this.judgeTruth(e.t, e.sentinel, c.host, e.instance ?? '');
  }

  /** Compare the choice with what the nodes held then, in the observation model. */
  private judgeTruth(t: number, sentinel: string, chosen: string, instance: string): void {
    const me = this.view.node(chosen);
    if (!me) return;
    const oldMaster = / @ \S+ (\S+) /.exec(instance)?.[1];
    const old = oldMaster ? this.view.node(oldMaster) : undefined;
    if (old && me.replid !== old.replid && me.replid2 !== old.replid) {
      this.otherHistory++;
      this.lines.push(`${(t / 1e6).toFixed(3)} s: ${sentinel} chose ${chosen}, on history ${short(me.replid)}, not the old master's ${short(old.replid)}`);
    }
    for (const [name, n] of this.view.nodes) {
      if (name === chosen || !n.alive || n.role !== 'slave' || n.replid !== me.replid || n.offset <= me.offset) continue;
      this.lagging++;
      this.lines.push(`${(t / 1e6).toFixed(3)} s: ${sentinel} chose ${chosen} at offset ${me.offset} while ${name} held ${n.offset} of the same history`);
      break;
    }
  }

  checked(): number {
    return this.choices;
  }

  stats(): Record<string, number> {
    return this.choices ? { choices: this.choices, lagging_choice: this.lagging, other_history: this.otherHistory } : {};
  }

  notes(): string[] {
    return this.lines.slice(0, 20);
  }
}
