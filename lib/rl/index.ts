// lib/rl: the GRPO trainer and everything a run needs around it.
export { trainConfigSchema, validateTrainConfig, PRESET_NAMES, EVAL_SPLITS, TRAIN_CONFIG_SCHEMA_ID } from './config.js';
export type { TrainConfig, PartialTrainConfig, PresetName, EvalSplit, LrSchedule } from './config.js';
export { DEFAULTS, PRESETS, resolveTrainConfig, lossConfig, merge, isPresetName } from './presets.js';
export { learningRate, decayGamma } from './schedule.js';
export { initialQueue, takePrompts, epochShuffle, epochOrder, type QueueState } from './queue.js';
export { noSampler, type GroupSampler, type SamplerContext, type SamplerResult } from './sampler.js';
export { hardSampler, type HardSamplerConfig } from './hard-sampler.js';
export { dynamicSampler, type DynamicSamplerConfig } from './dynamic-sampler.js';
export { grpoAdvantagesByGroup, type AdvantagesByGroup } from './advantages.js';
export { evaluate, evaluateSplit, categoryOf, type EvalResult, type SplitResult, type Accuracy, type EvalContext } from './evaluate.js';
export { saveCheckpoint, loadLatestCheckpoint, checkpointDir, type TrainerState } from './checkpoint.js';
export { train, initialState, samplerFor, defaultRender, type TrainerOptions, type TrainResult, type RenderPrompt } from './trainer.js';
export { registerPolicyFactory, resolvePolicyFactory, DEFAULT_POLICY, type PolicyFactory, type PolicyBundle, type PolicyFactoryContext } from './policy-factory.js';
export { loadRunTasks, allTasks, type RunTasks } from './tasks.js';
export { runTraining, type RunOptions, type RunOutcome } from './run.js';
