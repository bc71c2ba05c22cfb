// Types of build.mjs (plain JavaScript, so that bin/replsim.js can rebuild without tsx).

/** Build dist/ (cli.cjs, worker.js, build-info.json) and warm the code cache: how long it took (all, and without the warm-up run) and the files written. */
export function build(): Promise<{ ms: number; buildMs: number; files: string[]; metafiles: unknown[] }>;

/** ajv's standalone code for a schema, as an ES module exporting `validateScenarioSchema`. */
export function validatorModule(schema: unknown, options: Record<string, unknown>): string;

/** Packages the bundles leave in node_modules. */
export const EXTERNAL: string[];
