// ToolExpander's model-free parts: prompt rendering, the demonstration pool, demo levels
// and hard detection, groups of rollouts and the hard-sampling rounds (the policy comes in
// their context), SFT data. Pure TypeScript: nothing it imports, directly or not,
// loads the native addon (test/toolexpander/no-addon.test.ts follows the imports). The SFT
// warm start, which trains the native model, lives in lib/sft.

export { toolSignature, systemPrompt, renderCompletion, goldThink, goldCompletion, promptTools, buildPrompt, renderChatML } from './prompt.js';
export type { ToolStyle, PromptOptions } from './prompt.js';
export { createDemoPool, selectDemos } from './demos.js';
export type { DemoPool, SelectOptions } from './demos.js';
export { isHard, maxLevel, shotsAt, emptyBook, startLevel, afterGroup, recordVisit, meanLevel, clearDeferred, DEFAULT_SHOTS } from './levels.js';
export type { Scored, LevelConfig, LevelBook, RoundDecision } from './levels.js';
export { buildSftData, setThink, setAnalysis } from './sft.js';
export type { SftSample, SftKind, SftOptions } from './sft.js';
export { sampleGroups, demosFor, generationSeed } from './groups.js';
export type { Group, SamplingContext } from './groups.js';
export { hardSampleRounds } from './hardsampling.js';
export type { HardSamplingConfig, HardSamplingStats, HardSamplingResult } from './hardsampling.js';
