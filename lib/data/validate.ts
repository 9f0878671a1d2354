// validateTask: the task schema (ajv, compiled once) plus the checks a schema cannot express.

import { Ajv, type ErrorObject } from 'ajv';
import { TxError } from '../errors.js';
import { taskSchema } from './task-schema.js';
import { isBfclAnswer, type Task } from './types.js';
import { isPlainObject } from './json.js';

const ajv = new Ajv({ allErrors: false, strict: true });
const validateSchema = ajv.compile(taskSchema);

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `/tools/0/name` -> `tools[0].name` */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = 'task';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return out;
}

function describe(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  if (err.keyword === 'required') return `${fieldPath(err.instancePath, String(p['missingProperty']))} is required`;
  if (err.keyword === 'additionalProperties') {
    return `${fieldPath(err.instancePath, String(p['additionalProperty']))} is not an allowed field`;
  }
  if (err.keyword === 'enum') {
    return `${fieldPath(err.instancePath)} must be one of ${JSON.stringify(p['allowedValues'])}`;
  }
  return `${fieldPath(err.instancePath)} ${err.message ?? 'is invalid'}`;
}

/** The most specific error: anyOf branches report their own errors before the anyOf one. */
function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of errors) {
    if (e.keyword === 'anyOf') continue;
    if (best === undefined || e.instancePath.length > best.instancePath.length) best = e;
  }
  return best ?? errors[0];
}

function findUnsafeKey(x: unknown, path: string, depth: number): string | undefined {
  if (depth > 512) return path;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const r = findUnsafeKey(x[i], `${path}[${i}]`, depth + 1);
      if (r !== undefined) return r;
    }
  } else if (typeof x === 'object' && x !== null) {
    for (const k of Object.keys(x)) {
      if (UNSAFE_KEYS.has(k)) return `${path}.${k}`;
      const r = findUnsafeKey((x as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/**
 * Check that `x` is a task: the JSON Schema, then tool names unique, every answer call
 * names an offered tool, and no `__proto__`/`constructor`/`prototype` key anywhere.
 * Returns `x` typed; throws TxError('E_FORMAT') whose message names the field.
 */
export function validateTask(x: unknown): Task {
  if (!isPlainObject(x)) throw new TxError('E_FORMAT', 'task must be an object');
  if (!validateSchema(x)) {
    const err = pickError(validateSchema.errors ?? []);
    throw new TxError('E_FORMAT', err ? describe(err) : 'task is invalid');
  }
  const task = x as unknown as Task;
  const unsafe = findUnsafeKey(task, 'task', 0);
  if (unsafe !== undefined) throw new TxError('E_FORMAT', `${unsafe}: key not allowed (prototype pollution guard)`);
  const names = new Set<string>();
  task.tools.forEach((tool, i) => {
    if (names.has(tool.name)) throw new TxError('E_FORMAT', `task.tools[${i}].name "${tool.name}" is a duplicate`);
    names.add(tool.name);
  });
  if (isBfclAnswer(task.answer)) {
    task.answer.groundTruth.forEach((entry, i) => {
      for (const name of Object.keys(entry)) {
        if (!names.has(name)) {
          throw new TxError('E_FORMAT', `task.answer.groundTruth[${i}] calls "${name}", which is not in task.tools`);
        }
      }
    });
  } else {
    task.answer.forEach((call, i) => {
      if (!names.has(call.name)) {
        throw new TxError('E_FORMAT', `task.answer[${i}].name "${call.name}" is not in task.tools`);
      }
    });
  }
  return task;
}
