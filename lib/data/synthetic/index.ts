// The synthetic task suite (docs/method.md section 9).
export { syntheticSuite, CATEGORIES, DEFAULT_MIX } from './suite.js';
export type { Category, SplitName, SyntheticOptions, SyntheticSuite, SuiteInfo } from './suite.js';
export { CATALOGUE } from './catalogue.js';
export type { ApiSpec, ParamSpec } from './spec.js';
export { DOMAINS, splitDomains, domainValues, HELD_OUT_SHARE } from './domains.js';
export type { DomainName, Domain } from './domains.js';
export { toolOf } from './render.js';
export { mulberry32, stream, mix32, hashString } from '../../util/prng.js';
export type { Rng } from '../../util/prng.js';
