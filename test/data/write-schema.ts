// Regenerates schemas/task.schema.json from lib/data/task-schema.ts:
//   npx tsx test/data/write-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { taskSchema } from '../../lib/data/task-schema.js';

const out = fileURLToPath(new URL('../../schemas/task.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(taskSchema, null, 2) + '\n');
console.log(`wrote ${out}`);
