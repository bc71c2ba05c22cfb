// Types of fresh.cjs (plain JavaScript with no dependencies: bin/replsim.js asks it on every start).

export const ROOT: string;
export const DIST: string;
export const BUILD_INFO: string;
export const EXTRA_INPUTS: string[];
export function toPosix(path: string): string;

/** Why dist/ (of the package at `root`, by default this one) is not the build of the current sources (one phrase), or null when it is. */
export function staleReason(root?: string): string | null;
