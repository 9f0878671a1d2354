// Every field of the training config is described in the published JSON Schema, so editors
// show help for it; the descriptions survive ajv (strict mode accepts them) and the file.
import { readFileSync } from 'node:fs';
import t from 'tap';

import { CONFIG_DOCS, schemaFieldPaths, withDescriptions } from '../../lib/rl/config-docs.js';
import { trainConfigSchema, validateTrainConfig } from '../../lib/rl/config.js';

type Schema = { [k: string]: unknown };

/** [path, node] of every property node, anyOf branches included. */
function nodes(schema: Schema, prefix = ''): [string, Schema][] {
  const out: [string, Schema][] = [];
  for (const branch of [schema, ...((schema['anyOf'] as Schema[] | undefined) ?? [])]) {
    for (const [k, sub] of Object.entries((branch['properties'] as Record<string, Schema> | undefined) ?? {})) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      out.push([path, sub], ...nodes(sub, path));
    }
  }
  return out;
}

t.test('every config field has a description, and every description a field', async (t) => {
  const paths = schemaFieldPaths(trainConfigSchema);
  t.ok(paths.length >= 54, `${paths.length} fields`);
  for (const p of paths) t.ok(typeof CONFIG_DOCS[p] === 'string' && CONFIG_DOCS[p]!.length > 10, `${p} is described in lib/rl/config-docs.ts`);
  for (const p of Object.keys(CONFIG_DOCS)) t.ok(paths.includes(p), `CONFIG_DOCS.${p} names a field of the schema`);
});

t.test('the published schema file carries each description on its field', async (t) => {
  const file = JSON.parse(readFileSync(new URL('../../schemas/train-config.schema.json', import.meta.url), 'utf8')) as Schema;
  const all = nodes(file);
  t.ok(all.length >= 54);
  for (const [path, node] of all) t.equal(node['description'], CONFIG_DOCS[path], `${path}`);
  t.type(file['description'], 'string', 'the schema itself is described');
});

t.test('withDescriptions copies shared sub-schemas instead of writing into them', async (t) => {
  const shared = { type: 'integer' };
  const s = withDescriptions({ properties: { a: shared, b: shared } }, { a: 'first', b: 'second' });
  t.same(shared, { type: 'integer' }, 'the shared object is untouched');
  t.same(s, { properties: { a: { description: 'first', type: 'integer' }, b: { description: 'second', type: 'integer' } } });
  t.same(validateTrainConfig({ steps: 3, report: { sinks: ['jsonl', 'tensorboard'] } }), { steps: 3, report: { sinks: ['jsonl', 'tensorboard'] } }, 'ajv validates with descriptions present');
});
