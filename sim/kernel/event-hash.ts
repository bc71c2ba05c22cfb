// The trace hash (versions 2 and 3: the same function; 3 changed what two event fields hold): a
// running 64-bit hash over trace events as values, field by field, without building their JSON.
// It hashes exactly what the event's JSON line holds (a line read back from a trace file and parsed
// hashes the same), so every field of every event counts.

import { fmix, KA as KA_, KB as KB_, LONG as LONG_, longDigest } from './long-digest.js';
import { StreamEvent } from '../trace-events.js';

// module-local copies: the innermost loop reads them on every word, and an imported binding is read
// through its module cell each time (measured: the trace hash alone 17% slower on imported constants)
const KA = KA_;
const KB = KB_;
const LONG = LONG_;

/**
 * Each value is fed as 32-bit words: a tag word, then its content, so the word sequence of an
 * event decodes one way only (a string carries its length; an object ends with END).
 */
const TAG_OBJ = 0x4f424a7b;
const TAG_END = 0x454e447d;
const TAG_ARR = 0x4152525b;
const TAG_INT = 0x494e5423;
const TAG_NUM = 0x4e554d2e;
const TAG_STR = 0x53545222;
/** A long string is fed as its length and a 64-bit digest of its code units (long-digest.ts). */
const TAG_LONG = 0x4c4f4e47;
const TAG_NULL = 0x4e554c4c;
const TAG_TRUE = 0x54525545;
const TAG_FALSE = 0x46414c53;

/**
 * Into `out`, the words string() feeds for a string shorter than LONG: its tag, its length, its
 * code units two to a word (the last alone when their count is odd). Returns how many.
 */
function shortWordsInto(s: string, out: Int32Array): number {
  const n = s.length;
  out[0] = TAG_STR;
  out[1] = n;
  let j = 2;
  for (let i = 0; i < n; i += 2) out[j++] = i + 1 < n ? s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16) : s.charCodeAt(i);
  return j;
}

/** The most words a short string makes: tag, length, and (LONG - 1) code units in pairs. */
const SHORT_WORDS_MAX = 2 + (LONG >>> 1);
const scratch = new Int32Array(SHORT_WORDS_MAX);

function shortWords(s: string): Int32Array {
  const out = new Int32Array(SHORT_WORDS_MAX);
  return out.slice(0, shortWordsInto(s, out));
}

// a StreamEvent's keys and types, as string() feeds them
const K_T = shortWords('t');
const K_TYPE = shortWords('type');
const K_NODE = shortWords('node');
const K_REPLID = shortWords('replid');
const K_START = shortWords('start');
const K_BYTES = shortWords('bytes');
const K_H = shortWords('h');
const V_STREAM = shortWords('redis.stream');
const V_APPLIED = shortWords('redis.applied');

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/**
 * Two 32-bit lanes, each step xor-multiply-xorshift: a bijection of the lane for a fixed word, so
 * two inputs that differ in one word never meet again, and the two lanes use unrelated constants.
 */
export class EventHash {
  /**
   * The two lanes. In a typed array, not two fields: a 32-bit value in a field is boxed (V8's small
   * integers are 31-bit), and a box per word made the hash half as fast.
   */
  private readonly s = Int32Array.of(0x811c9dc5, 0x01000193 ^ 0x5bd1e995);

  private word(w: number): void {
    const s = this.s;
    const a = Math.imul(s[0]! ^ w, KA);
    s[0] = a ^ (a >>> 16);
    const b = Math.imul(s[1]! ^ w, KB);
    s[1] = b ^ (b >>> 13);
  }

  /** The first `count` words of ws, mixed on locals (the lanes stay in registers). */
  private words(ws: Int32Array, count = ws.length): void {
    const st = this.s;
    let a = st[0]!;
    let b = st[1]!;
    for (let i = 0; i < count; i++) {
      const w = ws[i]!;
      a = Math.imul(a ^ w, KA);
      a ^= a >>> 16;
      b = Math.imul(b ^ w, KB);
      b ^= b >>> 13;
    }
    st[0] = a;
    st[1] = b;
  }

  /** The last replication id hashed, and its words: a run has few, and each is 40 characters. */
  private replid = '';
  private replidWords = shortWords('');

  /** One event (or any JSON value): what its JSON text says, in the order its keys are listed. */
  update(event: object): void {
    if (event instanceof StreamEvent) this.streamEvent(event);
    else this.value(event);
  }

  /** value(e) for a StreamEvent, word for word: its keys in the class's order, each value as value() feeds it. */
  private streamEvent(e: StreamEvent): void {
    this.word(TAG_OBJ);
    this.words(K_T);
    this.value(e.t);
    this.words(K_TYPE);
    this.words(e.type === 'redis.applied' ? V_APPLIED : V_STREAM);
    this.words(K_NODE);
    this.string(e.node);
    this.words(K_REPLID);
    if (e.replid.length < LONG) {
      if (e.replid !== this.replid) {
        this.replid = e.replid;
        this.replidWords = shortWords(e.replid);
      }
      this.words(this.replidWords);
    } else this.long(e.replid);
    this.words(K_START);
    this.value(e.start);
    this.words(K_BYTES);
    this.value(e.bytes);
    this.words(K_H);
    this.string(e.h);
    this.word(TAG_END);
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) {
          this.word(TAG_INT);
          this.word(v);
        } else if (Number.isFinite(v)) {
          f64[0] = v;
          this.word(TAG_NUM);
          this.word(f64Words[0]!);
          this.word(f64Words[1]!);
        } else this.word(TAG_NULL); // JSON writes NaN and the infinities as null
        return;
      case 'string':
        this.string(v);
        return;
      case 'boolean':
        this.word(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object':
        if (v === null) this.word(TAG_NULL);
        else if (Array.isArray(v)) {
          this.word(TAG_ARR);
          this.word(v.length);
          // JSON writes undefined, functions and symbols in an array as null: value() feeds TAG_NULL for them
          for (let i = 0; i < v.length; i++) this.value(v[i]);
        } else {
          this.word(TAG_OBJ);
          const o = v as Record<string, unknown>;
          for (const k in o) {
            const x = o[k];
            if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON leaves these out
            this.string(k);
            this.value(x);
          }
          this.word(TAG_END);
        }
        return;
      case 'bigint':
        throw new TypeError('a trace event holds a BigInt, which JSON cannot write');
      default:
        this.word(TAG_NULL); // undefined, a function or a symbol: in an array (an event is never one)
    }
  }

  private string(s: string): void {
    const n = s.length;
    if (n >= LONG) {
      this.long(s);
      return;
    }
    this.words(scratch, shortWordsInto(s, scratch));
  }

  /** A long string: its length and its 64-bit digest (long-digest.ts). */
  private long(s: string): void {
    const d = longDigest(s);
    this.word(TAG_LONG);
    this.word(s.length);
    this.word(d[0]);
    this.word(d[1]);
  }

  /** 16 hex digits. */
  digest(): string {
    const sa = this.s[0]!;
    const sb = this.s[1]!;
    const a = fmix(sa ^ Math.imul(sb, KA)) >>> 0;
    const b = fmix(sb ^ Math.imul(sa, KB)) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
