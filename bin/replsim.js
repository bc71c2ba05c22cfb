#!/usr/bin/env node
// The replsim command: runs the TypeScript sources directly through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../sim/cli/main.ts');
