/**
 * Turns the YAML `models:` list into `ModelAlias`es: the one-target shorthand (`model:`), target
 * weights, and checks that names are unique and every target and fallback names something real.
 */
import { describeKind, parseWith } from './format-issues.js';
import { aliasSchema } from './schema.js';
import type { ConfigPath, ProblemList } from './problems.js';
import type { AliasTarget, ModelAlias } from './types.js';

/** Problem with a `provider/model` reference, or undefined when it names a configured provider. */
export function checkModelRef(ref: string, providerNames: ReadonlySet<string>): string | undefined {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) {
    return `must be "provider/model", e.g. "moonshot/kimi-k2.6" (got ${JSON.stringify(ref)})`;
  }
  const provider = ref.slice(0, slash);
  if (!providerNames.has(provider)) {
    return `names provider "${provider}", which is not configured (providers: ${[...providerNames].join(', ')})`;
  }
  return undefined;
}

export function normalizeModels(raw: unknown, providerNames: ReadonlySet<string>, problems: ProblemList): ModelAlias[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add(['models'], `must be a list of aliases, each like { name: kimi, model: moonshot/kimi-k2.6 } (got ${describeKind(raw)})`);
    return [];
  }

  const aliases: ModelAlias[] = [];
  const firstIndex = new Map<string, number>();
  const pendingFallbacks: { alias: string; fallback: string; path: ConfigPath }[] = [];

  raw.forEach((item: unknown, i) => {
    const base: ConfigPath = ['models', i];
    const alias = parseWith(aliasSchema, item, base, problems);
    if (!alias) {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && !firstIndex.has(name)) firstIndex.set(name, i);
      return;
    }

    if (alias.name === '') problems.add([...base, 'name'], 'must not be empty');
    else if (alias.name.includes('/')) {
      problems.add([...base, 'name'], `alias names must not contain "/" (that form means provider/model): ${JSON.stringify(alias.name)}`);
    }
    const first = firstIndex.get(alias.name);
    if (first !== undefined) problems.add([...base, 'name'], `duplicate alias name "${alias.name}" (already defined by models[${first}])`);
    else firstIndex.set(alias.name, i);

    const targets: AliasTarget[] = [];
    if (alias.targets !== undefined && alias.model !== undefined) {
      problems.add([...base, 'model'], 'give either model (one target) or targets (a list), not both');
    } else if (alias.model !== undefined) {
      const problem = checkModelRef(alias.model, providerNames);
      if (problem) problems.add([...base, 'model'], problem);
      targets.push({ model: alias.model, weight: 1 });
    } else if (alias.targets === undefined || alias.targets.length === 0) {
      problems.add(alias.targets === undefined ? base : [...base, 'targets'], 'needs at least one target: give targets: [{ model: provider/model }] or model: provider/model');
    } else {
      alias.targets.forEach((target, j) => {
        const problem = checkModelRef(target.model, providerNames);
        if (problem) problems.add([...base, 'targets', j, 'model'], problem);
        targets.push({ model: target.model, weight: target.weight ?? 1 });
      });
    }

    const fallbacks = alias.fallbacks ?? [];
    fallbacks.forEach((fallback, j) => pendingFallbacks.push({ alias: alias.name, fallback, path: [...base, 'fallbacks', j] }));
    aliases.push({ name: alias.name, targets, fallbacks: [...fallbacks] });
  });

  // Fallbacks may name aliases defined later in the list, so they are checked once all are known.
  for (const { alias, fallback, path } of pendingFallbacks) {
    if (fallback === alias) problems.add(path, 'an alias cannot fall back to itself');
    else if (fallback.includes('/')) {
      const problem = checkModelRef(fallback, providerNames);
      if (problem) problems.add(path, problem);
    } else if (!firstIndex.has(fallback)) {
      problems.add(path, `must be an alias name or "provider/model" (no alias is named ${JSON.stringify(fallback)})`);
    }
  }
  return aliases;
}
