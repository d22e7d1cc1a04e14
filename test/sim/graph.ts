/**
 * The dependency graph of a synthesized template (Ref, Fn::GetAtt, DependsOn between resources) and the
 * cycles in it, which CloudFormation would refuse at deploy time.
 */
export function dependenciesOf(template: any): Map<string, Set<string>> {
  const resources = template.Resources as { [id: string]: any };
  const graph = new Map<string, Set<string>>();
  const visit = (from: string, value: any) => {
    if (Array.isArray(value)) return value.forEach(v => visit(from, v));
    if (value === null || typeof value !== 'object') return;
    if (typeof value.Ref === 'string' && value.Ref in resources) graph.get(from)!.add(value.Ref);
    if (Array.isArray(value['Fn::GetAtt']) && value['Fn::GetAtt'][0] in resources) graph.get(from)!.add(value['Fn::GetAtt'][0]);
    Object.values(value).forEach(v => visit(from, v));
  };
  for (const [id, r] of Object.entries(resources)) {
    graph.set(id, new Set([r.DependsOn ?? []].flat()));
    visit(id, r.Properties);
  }
  return graph;
}

/** Whether `from` depends on `to`, directly or through other resources. */
export function dependsOn(template: any, from: string, to: string): boolean {
  const graph = dependenciesOf(template);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const next of graph.get(id) ?? []) {
      if (next === to) return true;
      if (!seen.has(next)) { seen.add(next); stack.push(next); }
    }
  }
  return false;
}

/** Every resource that is part of a dependency cycle. */
export function resourcesInCycles(template: any): string[] {
  return [...dependenciesOf(template).keys()].filter(id => dependsOn(template, id, id));
}
