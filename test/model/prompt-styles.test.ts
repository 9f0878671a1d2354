// prompt.style: compact (the tiny model), Tool-N1's, Qwen2.5's own tools block; each
// prompt lists the task's tools and ends in an open assistant turn; gold answers written in
// the rule the prompt states score 1.
import t from 'tap';
import { loadRunTasks } from '../../lib/rl/tasks.js';
import { PROMPT_STYLES, pyJson, qwen25ToolsBlock, renderStyled } from '../../lib/toolexpander/prompt-styles.js';
import { goldCompletion } from '../../lib/toolexpander/prompt.js';
import { scoreRollout } from '../../lib/reward/score.js';
import { resolveTrainConfig } from '../../lib/rl/presets.js';

t.test('every style renders the task and its tools, and the gold answer scores 1', async (t) => {
  const config = resolveTrainConfig(undefined, {});
  const suite = await loadRunTasks(config);
  const task = suite.train.find((x) => x.tools.length > 1)!;
  const reward = config.reward;
  for (const style of PROMPT_STYLES) {
    const p = renderStyled(style, task, [suite.train[1]!]);
    t.ok(p.startsWith('<|im_start|>system\n') && p.endsWith('<|im_start|>assistant\n'), `${style}: ChatML`);
    for (const tool of task.tools) t.match(p, tool.name, `${style}: lists ${tool.name}`);
    t.equal(scoreRollout(goldCompletion(task), task, reward).reward >= 1, true, `${style}: gold scores 1`);
  }
  const q = renderStyled('qwen2.5', task);
  t.match(q, 'You are Qwen, created by Alibaba Cloud.');
  t.match(q, qwen25ToolsBlock(task.tools), 'Qwen2.5 chat template tools block');
  t.equal(pyJson({ a: [1, 'x'], b: { c: null } }), '{"a": [1, "x"], "b": {"c": null}}');
  t.match(renderStyled('tool-n1', task), 'Here is a list of functions in JSON format');
  t.match(q, '{"type": "function", "function": {"name": ', 'tools as tojson writes them');
  t.throws(() => renderStyled('nope' as never, task), { code: 'E_RANGE', message: /prompt\.style/ });
});
