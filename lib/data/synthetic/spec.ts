// The shape of the API catalogue: each parameter says how its values are drawn and how
// they read in a query, each API carries its query templates.

import type { DomainName } from './domains.js';

type Described = { description: string };

/** A value copied verbatim from a domain into the query. */
export type ScalarParam = Described & { type: 'string' | 'integer' | 'number'; domain: DomainName };
/** Rendered as one of the phrases; the model must infer true/false from the wording. */
export type BooleanParam = Described & { type: 'boolean'; say: { true: readonly string[]; false: readonly string[] } };
/** enum value -> the words a query may use for it (synonyms make the mapping a real inference). */
export type EnumParam = Described & { type: 'enum'; values: Readonly<Record<string, readonly string[]>> };
/** 2..max distinct values of a domain, in query order ("a, b and c"). */
export type ArrayParam = Described & { type: 'array'; domain: DomainName; max: number };
export type ParamSpec = ScalarParam | BooleanParam | EnumParam | ArrayParam;

export type ApiSpec = {
  name: string;
  /** Topic: irrelevance tasks only offer tools of other groups, so that [] is really right. */
  group: string;
  description: string;
  /** A general tool (search) that could arguably serve other topics' queries: never offered in an irrelevance task. */
  generic?: boolean;
  params: Readonly<Record<string, ParamSpec>>;
  required: readonly string[];
  /**
   * Query wordings; `{param}` slots name the arguments the answer carries (an optional
   * parameter appears in the answer exactly when its slot is in the template).
   */
  templates: readonly string[];
};

export const str = (domain: DomainName, description: string): ScalarParam => ({ type: 'string', domain, description });
export const int = (domain: DomainName, description: string): ScalarParam => ({ type: 'integer', domain, description });
export const num = (domain: DomainName, description: string): ScalarParam => ({ type: 'number', domain, description });
export const arr = (domain: DomainName, description: string, max = 3): ArrayParam => ({ type: 'array', domain, description, max });
export const bool = (description: string, yes: string[], no: string[]): BooleanParam =>
  ({ type: 'boolean', description, say: { true: yes, false: no } });
export const en = (description: string, values: Record<string, string[]>): EnumParam => ({ type: 'enum', description, values });
