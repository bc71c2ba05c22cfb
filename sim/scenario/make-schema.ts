// `npm run schema`: writes scenarios/scenario.schema.json (for editors and other tools) from the one
// schema in sim/scenario/schema.ts. A test checks the checked-in file is current.
import { writeFileSync } from 'node:fs';
import { schemaText } from './schema.js';

writeFileSync(new URL('../../scenarios/scenario.schema.json', import.meta.url), schemaText);
console.log('wrote scenarios/scenario.schema.json');
