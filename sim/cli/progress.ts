// Progress on stderr: a sweep's bar on a terminal, and the mutation self-test's bars on a terminal
// or plain periodic lines on a pipe.

import cliProgress from 'cli-progress';
import type { MutantProgress, OnProgress } from '../harness/mutants.js';
import type { SweepProgress } from '../harness/sweep.js';

/** A sweep's progress bar: seeds done, failing so far, and the time left. */
export function sweepBar(total: number): { onProgress: (p: SweepProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar({ format: 'sweep {bar} {value}/{total} seeds | {failed} failing | eta {eta_formatted}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { failed: 0 });
  return { onProgress: (p) => bar.update(p.done, { failed: p.failed }), stop: () => bar.stop() };
}

/** Lines on a pipe: one per stage's end, and one when 10 s have passed or another PROGRESS_EVERY seeds are done. */
export const PROGRESS_EVERY = 50;
const PROGRESS_MS = 10_000;

/**
 * The self-test's progress on stderr: on a terminal one bar per stage (a mutant's swarm sweep, its
 * regression scenarios, its shrink); otherwise plain lines such as "mutants: promotion-keeps-replid
 * 100/300 seeds", so a CI log shows it is alive.
 */
export function mutantProgress(tty: boolean, write: (s: string) => void = (s) => void process.stderr.write(s)): { onProgress: OnProgress; stop: () => void } {
  const unit = (p: MutantProgress) => (p.stage === 'swarm' ? 'seeds' : p.stage === 'regression' ? 'regression runs' : 'shrink');
  if (tty) {
    let bar: cliProgress.SingleBar | null = null;
    let current = '';
    const stop = () => {
      bar?.stop();
      bar = null;
    };
    return {
      stop,
      onProgress: (p) => {
        const id = `${p.name}/${p.stage}`;
        if (id !== current || !bar) {
          stop();
          current = id;
          bar = new cliProgress.SingleBar({ format: `mutants: ${p.name} ${p.stage} {bar} {value}/{total} ${unit(p)} {result}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          bar.start(p.total, p.done, { result: '' });
        }
        bar.update(p.done, { result: p.result ?? '' });
        if (p.result !== undefined) stop();
      },
    };
  }
  let last = Date.now();
  const lastDone = new Map<string, number>();
  return {
    stop: () => {},
    onProgress: (p) => {
      const id = `${p.name}/${p.stage}`;
      const before = lastDone.get(id) ?? 0;
      lastDone.set(id, p.done);
      const crossed = Math.floor(p.done / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY);
      if (p.result === undefined && p.stage !== 'shrink' && !crossed && Date.now() - last < PROGRESS_MS) return;
      last = Date.now();
      const what = p.stage === 'shrink' ? (p.result === undefined ? 'shrinking the kill' : 'shrink') : `${p.done}/${p.total} ${unit(p)}`;
      write(`mutants: ${p.name} ${what}${p.result !== undefined ? `: ${p.result}` : ''}\n`);
    },
  };
}
