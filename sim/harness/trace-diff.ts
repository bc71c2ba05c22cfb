// The first point where two JSONL traces diverge (`replsim diff a.jsonl b.jsonl`): both are read
// line by line in step, events compared field by field with ids (40 hex digits) as labels in order
// of first appearance on each side; only the context window is kept, so a trace can be any size.

import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { labelOf } from '../report/state.js';

/** One side of a comparison: a name for messages (the file's path) and its lines without newlines, one by one or in batches. */
export interface TraceSource {
  name: string;
  lines: AsyncIterable<string | readonly string[]> | Iterable<string | readonly string[]>;
}

export interface DiffOptions {
  /** Top-level fields left out of the comparison (and of the events shown), e.g. ['t']. */
  ignore?: readonly string[];
  /** How many equal events before the divergence to keep, and events after it on each side (default 5). */
  context?: number;
}

/** What a trace says about itself: from its header and footer, when it has them. */
export interface TraceMeta {
  name: string;
  scenario: string | null;
  seed: number | string | null;
  mutant: string | null;
  tool_version: string | null;
  /**
   * true: a footer was read (or found at the end of the file), the run finished; false: the trace
   * ends without one; null: not known (a pipe whose reading stopped at the divergence).
   */
  complete: boolean | null;
  status: string | null;
  trace_hash: string | null;
  /** Events read from this side before the comparison stopped. */
  events_read: number;
  /** Distinct ids seen (and labelled) while reading. */
  ids: number;
}

/** An event as compared: ids replaced by labels (#A, #B, ...), ignored fields left out. */
export type LabelledEvent = Record<string, unknown>;

/** One side's event: its index among the trace's events (from 0), its line in the file (from 1), its time. */
export interface SideEvent {
  index: number;
  line: number;
  t: number;
  event: LabelledEvent;
}

/** An event equal on both sides (up to ignored fields): index, both lines and times, the event. */
export interface SharedEvent {
  index: number;
  line: { a: number; b: number };
  t: { a: number; b: number };
  event: LabelledEvent;
}

/** A field that differs at the divergence; a side without the field has no key. */
export interface FieldDiff {
  field: string;
  a?: unknown;
  b?: unknown;
}

export interface Divergence {
  /** The index of the first event that differs, or where the shorter trace ended. */
  index: number;
  /** 'differ': both have an event here; 'a-ended' / 'b-ended': that side has no more events (a prefix of the other). */
  kind: 'differ' | 'a-ended' | 'b-ended';
  a: SideEvent | null;
  b: SideEvent | null;
  fields: FieldDiff[];
  /** The events after the divergence on each side (up to `context`). */
  a_next: SideEvent[];
  b_next: SideEvent[];
}

export interface TraceDiff {
  same: boolean;
  /** Events found equal (all of them when same; those before the divergence otherwise). */
  equal_events: number;
  ignored: string[];
  a: TraceMeta;
  b: TraceMeta;
  /** The equal events just before the divergence (none when same). */
  context: SharedEvent[];
  divergence: Divergence | null;
  /** The labels in the events shown, with the id each stands for on each side (null: not seen there). */
  ids: { label: string; a: string | null; b: string | null }[];
}

const ID = /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/g;
const ZERO_ID = '0'.repeat(40);

/** Ids in order of first appearance on one side: the n-th distinct id is labelled #<labelOf(n)>. */
class Labels {
  readonly byId = new Map<string, string>();
  readonly byLabel = new Map<string, string>();

  of(id: string): string {
    let l = this.byId.get(id);
    if (l === undefined) {
      l = `#${labelOf(this.byId.size)}`;
      this.byId.set(id, l);
      this.byLabel.set(l, id);
    }
    return l;
  }

  text(s: string): string {
    // replication ids and run ids are random per seed; the all-zero id (no replid2) is not
    return s.length < 40 ? s : s.replace(ID, (id) => (id === ZERO_ID ? id : this.of(id)));
  }

  value(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x);
      return out;
    }
    return v;
  }
}

/** An event line read from one side, parsed; labelled only when it must be compared field by field. */
type Raw = { line: number; t: number; text: string; obj: Record<string, unknown> };

/**
 * Reads one side: skips blank lines, keeps the header and footer, refuses anything that is not an
 * event. Lines come in batches, and take() is synchronous while a batch lasts (no promise per line).
 */
class SideReader {
  private readonly it: AsyncIterator<string | readonly string[]> | Iterator<string | readonly string[]>;
  private batch: readonly string[] = [];
  private pos = 0;
  private lineNo = 0;
  private sawLine = false;
  private ended = false;
  readonly labels = new Labels();
  readonly meta: TraceMeta;

  constructor(
    private readonly src: TraceSource,
    private readonly ignore: ReadonlySet<string>,
  ) {
    const l = src.lines as Partial<AsyncIterable<string | readonly string[]> & Iterable<string | readonly string[]>>;
    this.it = l[Symbol.asyncIterator] ? l[Symbol.asyncIterator]!() : l[Symbol.iterator]!();
    this.meta = { name: src.name, scenario: null, seed: null, mutant: null, tool_version: null, complete: null, status: null, trace_hash: null, events_read: 0, ids: 0 };
  }

  /** The next event, or null at the end of the trace. */
  async next(): Promise<Raw | null> {
    let e = this.take();
    while (e === undefined) {
      await this.fill();
      e = this.take();
    }
    return e;
  }

  /** The next event from the lines buffered, null at the end, undefined when fill() must run first. */
  take(): Raw | null | undefined {
    while (this.pos < this.batch.length) {
      this.lineNo++;
      let text = this.batch[this.pos++]!;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim() === '') continue;
      this.sawLine = true;
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        throw new UserError(`${this.src.name}: line ${this.lineNo} is not JSON; a trace has one JSON object per line, as "replsim run --trace" writes it`);
      }
      const o = v as Record<string, unknown>;
      if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof o.type !== 'string') throw this.notEvent();
      if (o.type.startsWith('trace.')) {
        this.onMeta(o);
        continue;
      }
      if (typeof o.t !== 'number' || !Number.isFinite(o.t)) throw this.notEvent();
      this.meta.events_read++;
      return { line: this.lineNo, t: o.t, text, obj: o };
    }
    return this.ended ? null : undefined;
  }

  /** Reads the next batch of lines (or reaches the end). */
  async fill(): Promise<void> {
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      this.meta.complete ??= false;
      if (!this.sawLine) throw new UserError(`${this.src.name}: is empty; give a trace written by "replsim run ... --trace run.jsonl"`);
      return;
    }
    this.batch = typeof r.value === 'string' ? [r.value] : r.value;
    this.pos = 0;
  }

  /** The event as compared: ignored fields left out, ids replaced by this side's labels (new ids get one). */
  labelled(e: Raw): LabelledEvent {
    const out: LabelledEvent = {};
    for (const [k, x] of Object.entries(e.obj)) if (!this.ignore.has(k)) out[k] = this.labels.value(x);
    this.meta.ids = this.labels.byId.size;
    return out;
  }

  /** Stop reading (closes a file stream early). */
  async close(): Promise<void> {
    if (!this.ended) await this.it.return?.();
    this.ended = true;
  }

  private notEvent(): UserError {
    return new UserError(`${this.src.name}: line ${this.lineNo} is not a trace event (a JSON object with a string "type" and a numeric "t", or a "trace.*" line)`);
  }

  private onMeta(o: Record<string, unknown>): void {
    if (o.type === 'trace.header') {
      this.meta.scenario = typeof o.scenario === 'string' ? o.scenario : null;
      this.meta.seed = typeof o.seed === 'number' || typeof o.seed === 'string' ? o.seed : null;
      this.meta.mutant = typeof o.mutant === 'string' ? o.mutant : null;
      this.meta.tool_version = typeof o.tool_version === 'string' ? o.tool_version : null;
    } else if (o.type === 'trace.footer') footerInto(this.meta, o);
  }
}

/**
 * Two identical lines are equal events when each id in them has the same label on both sides (ids
 * are labelled in the order they appear in the text, which is the order of the fields).
 */
function sameIds(text: string, ra: SideReader, rb: SideReader): boolean {
  if (text.length < 40) return true;
  let same = true;
  for (const m of text.matchAll(ID)) {
    const id = m[0];
    if (id !== ZERO_ID && ra.labels.of(id) !== rb.labels.of(id)) same = false;
  }
  ra.meta.ids = ra.labels.byId.size;
  rb.meta.ids = rb.labels.byId.size;
  return same;
}

function footerInto(meta: TraceMeta, o: Record<string, unknown>): void {
  meta.complete = true;
  meta.status = typeof o.status === 'string' ? o.status : null;
  meta.trace_hash = typeof o.trace_hash === 'string' ? o.trace_hash : null;
}

/** Field-by-field equality, blind to key order. */
function equalValues(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === (y as unknown[]).length && x.every((v, i) => equalValues(v, (y as unknown[])[i]));
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  return kx.length === ky.length && kx.every((k) => Object.hasOwn(y, k) && equalValues((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]));
}

/** The top-level fields that differ, in a's order, then b's own. */
export function differingFields(a: LabelledEvent, b: LabelledEvent): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const k of Object.keys(a)) {
    if (!Object.hasOwn(b, k)) out.push({ field: k, a: a[k] });
    else if (!equalValues(a[k], b[k])) out.push({ field: k, a: a[k], b: b[k] });
  }
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) out.push({ field: k, b: b[k] });
  return out;
}

/** A name `--ignore` takes: a top-level field, no dots or spaces. */
export function checkIgnoredField(f: string): void {
  if (!/^[^.\s]+$/.test(f)) throw new UserError(`--ignore: "${f}" is not a field name; give top-level field names separated by commas, like t or t,conn`);
}

/**
 * Compares two traces event by event (the lines with a `t`, as the trace hash sees them) and stops
 * at the first difference: an event whose fields differ, or the end of one side. Throws a UserError
 * naming the source and line for a line that is not a trace line.
 */
export async function diffTraces(a: TraceSource, b: TraceSource, opts: DiffOptions = {}): Promise<TraceDiff> {
  const ignored = [...new Set(opts.ignore ?? [])];
  ignored.forEach(checkIgnoredField);
  const keep = opts.context ?? 5;
  const ra = new SideReader(a, new Set(ignored));
  const rb = new SideReader(b, new Set(ignored));
  // the equal events kept for context, labelled only at the end (their ids have labels by then)
  const ring: { index: number; a: Raw; b: Raw }[] = [];
  let index = 0;
  let divergence: Divergence | null = null;
  try {
    for (;;) {
      // one side at a time, so that when both are bad the message is always about a
      let ea = ra.take();
      if (ea === undefined) ea = await ra.next();
      let eb = rb.take();
      if (eb === undefined) eb = await rb.next();
      if (ea === null && eb === null) break;
      if (ea && eb) {
        const equal = ignored.length === 0 && ea.text === eb.text ? sameIds(ea.text, ra, rb) : differingFields(ra.labelled(ea), rb.labelled(eb)).length === 0;
        if (equal) {
          if (keep > 0) {
            if (ring.length === keep) ring.shift();
            ring.push({ index, a: ea, b: eb });
          }
          index++;
          continue;
        }
      }
      const la = ea ? ra.labelled(ea) : null;
      const lb = eb ? rb.labelled(eb) : null;
      divergence = {
        index,
        kind: ea && eb ? 'differ' : ea ? 'b-ended' : 'a-ended',
        a: ea ? { index, line: ea.line, t: ea.t, event: la! } : null,
        b: eb ? { index, line: eb.line, t: eb.t, event: lb! } : null,
        fields: la && lb ? differingFields(la, lb) : [],
        a_next: ea ? await following(ra, index + 1, keep) : [],
        b_next: eb ? await following(rb, index + 1, keep) : [],
      };
      break;
    }
  } finally {
    await Promise.all([ra.close(), rb.close()]);
  }
  const context: SharedEvent[] = divergence ? ring.map((s) => ({ index: s.index, line: { a: s.a.line, b: s.b.line }, t: { a: s.a.t, b: s.b.t }, event: ra.labelled(s.a) })) : [];
  const shown = [...context.map((s) => s.event), ...(divergence ? [divergence.a, divergence.b, ...divergence.a_next, ...divergence.b_next].flatMap((s) => (s ? [s.event] : [])) : [])];
  return { same: divergence === null, equal_events: index, ignored, a: ra.meta, b: rb.meta, context, divergence, ids: legend(shown, ra.labels, rb.labels) };
}

async function following(r: SideReader, from: number, n: number): Promise<SideEvent[]> {
  const out: SideEvent[] = [];
  for (let i = 0; i < n; i++) {
    const e = await r.next();
    if (!e) break;
    out.push({ index: from + i, line: e.line, t: e.t, event: r.labelled(e) });
  }
  return out;
}

/** Every label in the events shown, in label order, with its id on each side. */
function legend(events: LabelledEvent[], la: Labels, lb: Labels): TraceDiff['ids'] {
  const used = new Set<string>();
  const scan = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/#[A-Z]+/g)) used.add(m[0]);
    else if (Array.isArray(v)) v.forEach(scan);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(scan);
  };
  events.forEach(scan);
  const order = (l: string) => [l.length, l] as const;
  return [...used]
    .filter((l) => la.byLabel.has(l) || lb.byLabel.has(l))
    .sort((x, y) => order(x)[0] - order(y)[0] || (order(x)[1] < order(y)[1] ? -1 : 1))
    .map((label) => ({ label, a: la.byLabel.get(label) ?? null, b: lb.byLabel.get(label) ?? null }));
}

const CHUNK_BYTES = 1 << 16;

/** A trace file's lines, read as a stream in batches; a missing file or a folder is a UserError. */
export function traceFileSource(path: string): TraceSource {
  if (!existsSync(path)) throw new UserError(`${path}: no such file; give a trace written by "replsim run ... --trace run.jsonl"`);
  if (statSync(path).isDirectory()) throw new UserError(`${path}: is a folder; give a trace file written by "replsim run ... --trace run.jsonl"`);
  async function* read(): AsyncGenerator<readonly string[]> {
    // opened on the first next(): nothing is read before the comparison asks for it
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
    let carry = '';
    try {
      for await (const chunk of stream as AsyncIterable<string>) {
        const lines = (carry + chunk).split('\n');
        carry = lines.pop()!;
        if (lines.length) yield lines;
      }
      if (carry !== '') yield [carry];
    } catch (e) {
      throw new UserError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    } finally {
      stream.destroy();
    }
  }
  return { name: path, lines: read() };
}

/**
 * diffTraces over two files. When the comparison stopped before a side's end, that side's footer
 * (status, trace hash) is read from the last line of a regular file, without reading the rest; for
 * a pipe it stays unknown.
 */
export async function diffTraceFiles(pathA: string, pathB: string, opts: DiffOptions = {}): Promise<TraceDiff> {
  const d = await diffTraces(traceFileSource(pathA), traceFileSource(pathB), opts);
  for (const [path, meta] of [[pathA, d.a], [pathB, d.b]] as const) if (meta.complete === null) peekFooter(path, meta);
  return d;
}

const TAIL_BYTES = 1 << 16;

function peekFooter(path: string, meta: TraceMeta): void {
  let fd: number | null = null;
  try {
    // a pipe is not opened again: opening a FIFO can wait for a writer that has gone
    if (!statSync(path).isFile()) return;
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    meta.complete = false;
    const len = Math.min(st.size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, st.size - len);
    const last = buf.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
    const o = JSON.parse(last) as Record<string, unknown>;
    if (o !== null && typeof o === 'object' && o.type === 'trace.footer') footerInto(meta, o);
  } catch {
    // no readable footer at the end of the file: the run did not finish
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
