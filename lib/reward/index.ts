// toolexpander/reward: parse tool calls and score rollouts. Pure TypeScript: never loads
// the native addon.

export { parseToolCalls } from './parse.js';
export { scoreRollout, DEFAULT_SET_BONUS } from './score.js';
export { hasSelfExample } from './set-bonus.js';
export { compiledValidatorCount, validateArgs } from './schema-cache.js';
export { standardizeString } from './bfcl.js';
export type {
  FormatMode, MatcherName, SetGate, Reason, ParseFailReason, MatchFailReason,
  ParsedCall, ParseResult, ParseOptions, ScoreOptions, ScoreResult,
} from './types.js';
export type { Task, Call, Tool } from '../data/types.js';
export { bfclVerdict, decodeBfcl, BFCL_CATEGORIES, BFCL_AST_CATEGORIES, BFCL_RELEVANCE_CATEGORIES } from './bfcl-verdict.js';
export type { BfclEntry, BfclVerdict, BfclVerdictOptions, BfclBlock, BfclCategoryName } from './bfcl-verdict.js';
export { astChecker, type BfclFunction, type BfclCheck, type BfclLanguage } from './bfcl-checker.js';
export { pyJsonParse, pyJsonStringify } from '../data/pyjson.js';
export { PyFloat } from '../data/pyvalue.js';
export { readBfclCategory, bfclQuestionPath, type BfclSuiteItem } from './bfcl-suite.js';
export { checkApiBankLevel3, matchApiBankLevel3, apiBankLevel3Gold } from './api-bank-level3.js';
export { sameRetrieval, retrieverTokens, splitByUppercase } from './api-bank-retriever.js';
