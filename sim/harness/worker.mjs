// Worker-thread entry for sweeps: Node 20 ignores --import in a worker's execArgv, so tsx is
// registered here before the TypeScript task module is loaded.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./task.ts');
export default mod.default;
