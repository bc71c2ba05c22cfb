// vitest setup: every fc.assert in every test file runs from the seed fcSeed() chooses (fixed under
// `npm test`, fresh and printed under `npm run fuzz`), unless the test passes its own seed.
import fc from 'fast-check';
import { FUZZING, fcSeed } from './fc.js';

const seed = fcSeed();
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) });
if (FUZZING || process.env.FC_SEED) process.stdout.write(`fast-check global seed ${seed} (replay: FC_SEED=${seed})\n`);
