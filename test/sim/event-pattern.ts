/**
 * Amazon EventBridge's documented matching of an event against an event pattern, for the filters the library
 * writes (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * eb-create-pattern-operators.html): every field of the pattern must match; a list of values matches any of them;
 * an event field that is a list matches when any element does; `prefix`, `suffix`, `wildcard` (`*` matches any
 * characters), `anything-but`, `exists` and `equals-ignore-case` filters; `$or` over sub-patterns. Numeric filters
 * and the rarer forms are not needed and refused, so a pattern the library writes cannot pass unchecked.
 */
export function matchesPattern(pattern: any, event: any): boolean {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) throw new Error(`a pattern level is an object: ${JSON.stringify(pattern)}`);
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(expected) || !expected.some(sub => matchesPattern(sub, event))) return false;
      continue;
    }
    const actual = event === null || typeof event !== 'object' ? undefined : event[key];
    if (Array.isArray(expected)) {
      if (!expected.some(filter => matchesFilter(filter, actual))) return false;
    } else {
      if (actual === undefined || actual === null || typeof actual !== 'object' || !matchesPattern(expected, actual)) return false;
    }
  }
  return true;
}

function matchesFilter(filter: any, actual: any): boolean {
  if (filter !== null && typeof filter === 'object') {
    const [name, argument] = Object.entries(filter)[0] as [string, any];
    if (name === 'exists') return argument === (actual !== undefined);
    if (actual === undefined) return false;
    const values: any[] = Array.isArray(actual) ? actual : [actual];
    switch (name) {
      case 'prefix': return values.some(v => typeof v === 'string' && v.startsWith(argument));
      case 'suffix': return values.some(v => typeof v === 'string' && v.endsWith(argument));
      case 'equals-ignore-case': return values.some(v => typeof v === 'string' && v.toLowerCase() === String(argument).toLowerCase());
      case 'wildcard': return values.some(v => typeof v === 'string' && wildcard(argument).test(v));
      case 'anything-but': {
        const excluded: any[] = Array.isArray(argument) ? argument : [argument];
        return values.every(v => !excluded.includes(v));
      }
      default: throw new Error(`filter ${name} is not modelled by this matcher`);
    }
  }
  if (actual === undefined) return false;
  const values: any[] = Array.isArray(actual) ? actual : [actual];
  return values.some(v => v === filter);
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
