// ToolExpander's model-free parts: prompt rendering, the demonstration pool, demo levels
// and hard detection, SFT data. Pure TypeScript: nothing it imports, directly or not,
// loads the native addon (test/toolexpander/no-addon.test.ts follows the imports). The SFT
// warm start, which trains the native model, lives in lib/sft.

export { toolSignature, systemPrompt, renderCompletion, goldThink, goldCompletion, promptTools, buildPrompt, renderChatML } from './prompt.js';
export type { ToolStyle, PromptOptions } from './prompt.js';
export { createDemoPool, selectDemos } from './demos.js';
export type { DemoPool, SelectOptions } from './demos.js';
export { isHard, maxLevel, shotsAt, emptyBook, startLevel, afterGroup, recordVisit, meanLevel, nextEpoch, DEFAULT_SHOTS } from './levels.js';
export type { Scored, LevelConfig, LevelBook, RoundDecision } from './levels.js';
export { buildSftData, setThink, setAnalysis } from './sft.js';
export type { SftSample, SftKind, SftOptions } from './sft.js';
export { sampleGroups, hardSampleRounds, demosFor, generationSeed } from './hardsampling.js';
export type { Group, SamplingContext, HardSamplingConfig, HardSamplingStats, HardSamplingResult } from './hardsampling.js';
