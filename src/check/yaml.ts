import type * as Yaml from 'yaml';
import { lazy } from '../util/policy-json';

// The YAML parser is loaded only when a YAML template is read.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = lazy(() => require('yaml') as typeof Yaml);

/** The intrinsic functions CloudFormation accepts in short form (`!Ref`, `!Sub`, ...), by tag name. */
const INTRINSICS = ['Ref', 'Condition', 'Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split',
  'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'ToJsonString', 'Length'];

/** The long form of a short-form tag: `!Ref` is `Ref`, `!Condition` is `Condition`, the others `Fn::NAME`. */
function longForm(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

/** `!GetAtt Resource.Attribute` is `{ "Fn::GetAtt": ["Resource", "Attribute"] }` (the attribute may contain dots). */
function scalarValue(name: string, text: string): unknown {
  if (name !== 'GetAtt') return text;
  const dot = text.indexOf('.');
  return dot < 0 ? text : [text.slice(0, dot), text.slice(dot + 1)];
}

let tags: Yaml.Tags | undefined;

/**
 * A CloudFormation template written in YAML, as JSON: the short-form tags become the long form
 * (`!Ref X` is `{ "Ref": "X" }`, `!GetAtt A.B` is `{ "Fn::GetAtt": ["A", "B"] }`, `!Sub [...]` is
 * `{ "Fn::Sub": [...] }`), on scalars, sequences and mappings alike.
 */
export function parseCloudFormationYaml(text: string): unknown {
  tags ??= INTRINSICS.flatMap(name => [
    { tag: `!${name}`, resolve: (value: string) => ({ [longForm(name)]: scalarValue(name, value) }) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (value: any) => ({ [longForm(name)]: value.toJSON() }) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (value: any) => ({ [longForm(name)]: value.toJSON() }) },
  ]) as Yaml.Tags;
  return yaml().parse(text, { customTags: tags, maxAliasCount: -1 });
}
