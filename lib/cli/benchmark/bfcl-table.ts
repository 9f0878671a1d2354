// BFCL's leaderboard aggregation (eval_runner_helper.generate_leaderboard_csv), for the
// single-turn categories: Non-Live simple = unweighted mean of Python, Java, JavaScript
// simple; Non-Live AST summary = unweighted mean of simple, multiple, parallel,
// parallel_multiple; Live AST summary = mean weighted by entry counts. A category not
// evaluated shows N/A and counts as 0 in a mean, whose own display is then N/A too (as
// BFCL does); the "overall" rows count it as 0 without hiding the number.

export type CategoryScore = { accuracy: number; total: number; na: boolean };

function score(acc: ReadonlyMap<string, { n: number; correct: number }>, cat: string, fileSizes: ReadonlyMap<string, number>): CategoryScore {
  const a = acc.get(cat);
  if (a === undefined || a.n === 0) return { accuracy: 0, total: fileSizes.get(cat) ?? 0, na: true };
  return { accuracy: a.correct / a.n, total: a.n, na: false };
}

export function unweighted(xs: readonly CategoryScore[], naIfMissing = true): CategoryScore {
  const total = xs.reduce((s, x) => s + x.total, 0);
  return { accuracy: xs.reduce((s, x) => s + x.accuracy, 0) / xs.length, total, na: naIfMissing && xs.some((x) => x.na) };
}

export function weighted(xs: readonly CategoryScore[], naIfMissing = true): CategoryScore {
  const total = xs.reduce((s, x) => s + x.total, 0);
  return { accuracy: total === 0 ? 0 : xs.reduce((s, x) => s + x.accuracy * x.total, 0) / total, total, na: naIfMissing && xs.some((x) => x.na) };
}

export type TableRow = { label: string; score: CategoryScore; depth: number };

export function bfclRows(acc: ReadonlyMap<string, { n: number; correct: number }>, fileSizes: ReadonlyMap<string, number> = new Map()): TableRow[] {
  const s = (c: string) => score(acc, c, fileSizes);
  const simple = unweighted([s('simple_python'), s('simple_java'), s('simple_javascript')]);
  const nonLive = [simple, s('multiple'), s('parallel'), s('parallel_multiple')];
  const live = [s('live_simple'), s('live_multiple'), s('live_parallel'), s('live_parallel_multiple')];
  return [
    { label: 'Non-Live overall (unweighted)', score: unweighted(nonLive, false), depth: 0 },
    { label: 'AST summary', score: unweighted(nonLive), depth: 1 },
    { label: 'simple (python, java, javascript)', score: simple, depth: 1 },
    { label: 'simple_python', score: s('simple_python'), depth: 2 },
    { label: 'simple_java', score: s('simple_java'), depth: 2 },
    { label: 'simple_javascript', score: s('simple_javascript'), depth: 2 },
    { label: 'multiple', score: s('multiple'), depth: 1 },
    { label: 'parallel', score: s('parallel'), depth: 1 },
    { label: 'parallel_multiple', score: s('parallel_multiple'), depth: 1 },
    { label: 'irrelevance', score: s('irrelevance'), depth: 1 },
    { label: 'Live overall (weighted)', score: weighted(live, false), depth: 0 },
    { label: 'AST summary', score: weighted(live), depth: 1 },
    { label: 'live_simple', score: s('live_simple'), depth: 1 },
    { label: 'live_multiple', score: s('live_multiple'), depth: 1 },
    { label: 'live_parallel', score: s('live_parallel'), depth: 1 },
    { label: 'live_parallel_multiple', score: s('live_parallel_multiple'), depth: 1 },
    { label: 'live_irrelevance', score: s('live_irrelevance'), depth: 1 },
    { label: 'live_relevance', score: s('live_relevance'), depth: 1 },
  ];
}

export function formatRows(rows: readonly TableRow[]): string {
  const lines = rows.map((r) => {
    const label = `${'  '.repeat(r.depth)}${r.label}`;
    const acc = r.score.na ? 'N/A' : `${(r.score.accuracy * 100).toFixed(2)}%`;
    return `${label.padEnd(40)} ${acc.padStart(8)} ${String(r.score.total).padStart(6)}`;
  });
  return [`${'category'.padEnd(40)} ${'accuracy'.padStart(8)} ${'n'.padStart(6)}`, ...lines].join('\n');
}
