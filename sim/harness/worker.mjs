// Worker-thread entry for sweeps run from the TypeScript sources (tsx, vitest, a consumer's suite): Node 20
// ignores --import in a worker's execArgv, so tsx is registered here before the task module is loaded.
// Where tsx is not installed (it is a development dependency), the prebuilt entry, dist/worker.js, serves.
let mod;
try {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./task.ts');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes("'tsx'")) throw e;
  mod = await import('../../dist/worker.js');
}
export default mod.default;
