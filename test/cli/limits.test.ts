// --max-events, --max-sim-time and --timeout on run and sweep, and seeds kept exactly (issue 14).
import { describe, expect, it } from 'vitest';
import { cli, expectUserError, FIX, json } from './cli.js';
import { parseSeed, parseSeeds } from '../../sim/harness/seeds.js';
import { parseFlagDurationUs } from '../../sim/units.js';

const SLEEP = `${FIX}/sleep-forever.json`;
type Failure = { kind: string; limit?: string; message: string; time_us: number };
type Run = { status: string; failures: Failure[]; seed: unknown; reproduce: string; stats: { events: number; simulated_us: number } };

describe('run limits', () => {
  it('a sleep of 1e15 ms with the default limits ends quickly: liveness (exit 3), limit max-sim-time at 24 h, naming the flag', () => {
    const r = cli('run', SLEEP, '--json');
    expect(r.code).toBe(3);
    const out = json<Run>(r);
    expect(out.status).toBe('liveness');
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]).toMatchObject({ kind: 'liveness', limit: 'max-sim-time', time_us: 86_400_000_000 });
    expect(out.failures[0]!.message).toContain('--max-sim-time');
    expect(out.stats.simulated_us).toBe(86_400_000_000);
  });

  it('--max-sim-time 10min stops at 10 simulated minutes, the same way every time', () => {
    const a = json<Run & { trace_hash: string }>(cli('run', SLEEP, '--json', '--max-sim-time', '10min'));
    const b = json<Run & { trace_hash: string }>(cli('run', SLEEP, '--json', '--max-sim-time', '600s'));
    expect(a.failures[0]).toMatchObject({ limit: 'max-sim-time', time_us: 600_000_000 });
    expect(b.trace_hash).toBe(a.trace_hash);
    expect(b.stats.events).toBe(a.stats.events);
  });

  it('--max-events N stops after N events and names --max-events', () => {
    const r = cli('run', SLEEP, '--json', '--max-events', '5000');
    expect(r.code).toBe(3);
    const out = json<Run>(r);
    expect(out.stats.events).toBe(5001);
    expect(out.failures[0]).toMatchObject({ kind: 'liveness', limit: 'max-events' });
    expect(out.failures[0]!.message).toContain('Raise --max-events');
  });

  it('--timeout stops a run on wall-clock time only: a liveness failure naming --timeout', () => {
    const r = cli('run', SLEEP, '--json', '--max-sim-time', '100000h', '--timeout', '300ms');
    expect(r.code).toBe(3);
    const out = json<Run>(r);
    expect(out.failures[0]).toMatchObject({ kind: 'liveness', limit: 'timeout' });
    expect(out.failures[0]!.message).toContain('--timeout');
    expect(out.stats.events % 16384).toBe(0); // checked between chunks of events, never inside one
  });

  it('a run that ends within its limits is untouched by them', () => {
    const plain = json<Run & { trace_hash: string }>(cli('run', `${FIX}/pass.json`, '--json'));
    const limited = json<Run & { trace_hash: string }>(cli('run', `${FIX}/pass.json`, '--json', '--max-events', '10000000', '--max-sim-time', '2h', '--timeout', '10min'));
    expect(limited.status).toBe('pass');
    expect(limited.trace_hash).toBe(plain.trace_hash);
  });

  it('sweep passes the limits to every seed', () => {
    const r = cli('sweep', SLEEP, '--seeds', '1..3', '--workers', '1', '--json', '--max-sim-time', '2min');
    expect(r.code).toBe(3);
    const out = json<{ liveness: number; results: { status: string }[] }>(r);
    expect(out.liveness).toBe(3);
  });

  it('bad limit values are user errors naming the flag', () => {
    expectUserError(cli('run', SLEEP, '--max-sim-time', '10'), '--max-sim-time', '10min');
    expectUserError(cli('run', SLEEP, '--timeout', 'soon'), '--timeout');
    expectUserError(cli('sweep', SLEEP, '--seeds', '1', '--max-events', '0'), '--max-events');
  });

  it('durations for the flags: us, ms, s, m, min, h', () => {
    expect(parseFlagDurationUs('10min', 'f')).toBe(600_000_000);
    expect(parseFlagDurationUs('600s', 'f')).toBe(600_000_000);
    expect(parseFlagDurationUs('1h', 'f')).toBe(3_600_000_000);
    expect(parseFlagDurationUs('1.5h', 'f')).toBe(5_400_000_000);
    expect(parseFlagDurationUs('250ms', 'f')).toBe(250_000);
    expect(() => parseFlagDurationUs('0s', 'f')).toThrow(/positive duration/);
  });
});

describe('seeds', () => {
  it('digit strings beyond 2^53 - 1 stay exact text; smaller ones are numbers', () => {
    expect(parseSeed('42')).toBe(42);
    expect(parseSeed('9007199254740991')).toBe(9007199254740991);
    expect(parseSeed('9007199254740993')).toBe('9007199254740993');
    expect(parseSeed('99999999999999999999')).toBe('99999999999999999999');
    expect(parseSeed('hello world')).toBe('hello world');
  });

  it('run --seed 99999999999999999999: the JSON and the reproduce command carry the exact text, and it reproduces', () => {
    const a = json<Run & { trace_hash: string }>(cli('run', 'failover-clean', '--json', '--seed', '99999999999999999999'));
    expect(a.seed).toBe('99999999999999999999');
    expect(a.reproduce).toBe('replsim run failover-clean --seed 99999999999999999999');
    const b = json<Run & { trace_hash: string }>(cli('run', 'failover-clean', '--json', '--seed', '9007199254740993'));
    expect(b.seed).toBe('9007199254740993');
    expect(b.trace_hash).not.toBe(json<Run & { trace_hash: string }>(cli('run', 'failover-clean', '--json', '--seed', '9007199254740992')).trace_hash);
  });

  it('sweep --seeds refuses integers it cannot count exactly, with a clear message', () => {
    expect(() => parseSeeds('9007199254740990..9007199254740993')).toThrow(/beyond 9007199254740991.*replsim run --seed 9007199254740993/);
    expect(parseSeeds('9007199254740990..9007199254740991')).toEqual([9007199254740990, 9007199254740991]);
    expectUserError(cli('sweep', 'failover-clean', '--seeds', '99999999999999999999'), '--seeds', 'beyond');
  });
});
