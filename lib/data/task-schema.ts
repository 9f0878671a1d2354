// The published task JSON Schema (docs/method.md section 1). schemas/task.schema.json is
// this object written out; test/data/validate.test.ts checks that the two agree
// (regenerate with `npx tsx test/fixtures/write-schema.ts`).

export const TASK_SCHEMA_ID = 'https://github.com/toolexpander/toolexpander/schemas/task.schema.json';

export const taskSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: TASK_SCHEMA_ID,
  title: 'toolexpander task',
  description: 'One tool-calling task: the tools offered, the conversation so far, and the expected calls.',
  type: 'object',
  required: ['id', 'tools', 'messages', 'answer'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    tools: { type: 'array', items: { $ref: '#/definitions/tool' } },
    messages: { type: 'array', minItems: 1, items: { $ref: '#/definitions/message' } },
    answer: {
      description: 'The expected calls ([] = no tool fits), or a BFCL ground truth with acceptable values per argument.',
      anyOf: [
        { type: 'array', items: { $ref: '#/definitions/call' } },
        { $ref: '#/definitions/bfclAnswer' },
      ],
    },
    meta: { type: 'object' },
  },
  definitions: {
    tool: {
      type: 'object',
      required: ['name', 'parameters'],
      properties: {
        name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        parameters: { type: 'object', description: 'JSON Schema of the arguments object.' },
      },
    },
    message: {
      type: 'object',
      required: ['role', 'content'],
      additionalProperties: false,
      properties: {
        role: { enum: ['system', 'user', 'assistant', 'tool'] },
        content: { type: 'string' },
        name: { type: 'string' },
      },
    },
    call: {
      type: 'object',
      required: ['name', 'arguments'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        arguments: { type: 'object' },
      },
    },
    bfclAnswer: {
      type: 'object',
      required: ['format', 'groundTruth'],
      additionalProperties: false,
      properties: {
        format: { const: 'bfcl' },
        category: { enum: ['simple', 'multiple', 'parallel', 'parallel_multiple'] },
        groundTruth: {
          type: 'array',
          items: {
            type: 'object',
            minProperties: 1,
            maxProperties: 1,
            additionalProperties: {
              type: 'object',
              additionalProperties: { type: 'array' },
            },
          },
        },
      },
    },
  },
} as const;
