// The task format of docs/method.md section 1, as TypeScript types.

/** A tool the model may call. `parameters` is a JSON Schema (converters map BFCL and API-Bank types to it). */
export type Tool = {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
};

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type Message = {
  role: Role;
  content: string;
  /** For `tool` messages: the tool whose result this is. */
  name?: string;
};

/** One tool call: the unit of both answers and parsed model output. */
export type Call = {
  name: string;
  arguments: Record<string, unknown>;
};

export type BfclCategory = 'simple' | 'multiple' | 'parallel' | 'parallel_multiple';

/**
 * A BFCL ground truth kept in BFCL's own shape, so that the `bfcl` matcher can apply
 * its rules: one entry per expected call, `{function_name: {param: [acceptable values]}}`,
 * where `""` among the acceptable values means "may be omitted".
 */
export type BfclAnswer = {
  format: 'bfcl';
  category?: BfclCategory;
  groundTruth: Record<string, Record<string, unknown[]>>[];
};

export type Task = {
  id: string;
  tools: Tool[];
  messages: Message[];
  /** `[]`: no tool fits, the model must answer `<tool_call>[]</tool_call>`. */
  answer: Call[] | BfclAnswer;
  meta?: Record<string, unknown>;
};

export function isBfclAnswer(answer: Task['answer']): answer is BfclAnswer {
  return !Array.isArray(answer) && typeof answer === 'object' && answer !== null
    && (answer as BfclAnswer).format === 'bfcl';
}
