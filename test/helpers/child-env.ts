// Environment for child processes that run lib/ through tsx: quiet, and with tap's
// coverage collection off. Their V8 coverage of tsx-transformed sources would be merged
// into the parent's report with the wrong line maps and make covered files look uncovered.
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TOOLEXPANDER_QUIET: '1', _TAPJS_PROCESSINFO_COVERAGE_: '0', ...extra };
}
