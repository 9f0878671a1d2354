import { validateTask } from './validate.js';
import { readJsonLines, atLine, type JsonLinesLimits } from './jsonl.js';
import type { Task } from './types.js';

/**
 * Stream tasks from a JSONL file (one task per line, blank lines skipped), each validated
 * by validateTask. Errors are TxError('E_FORMAT') naming `path:line` and the field.
 */
export async function* readTasks(path: string, limits: JsonLinesLimits = {}): AsyncGenerator<Task> {
  for await (const { line, value } of readJsonLines(path, limits)) {
    let task: Task;
    try {
      task = validateTask(value);
    } catch (e) {
      throw atLine(path, line, e);
    }
    yield task;
  }
}
