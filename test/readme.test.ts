import * as fs from 'fs';
import * as path from 'path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as library from '../src';

/**
 * Runs every TypeScript example in the README, as a user would paste it into a Stack's constructor
 * (`this` is the stack), against the library's source. An example that names an API that does not exist,
 * or fails at synth, fails this test.
 */
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts(?: fixture=[\w-]+)?\n([\s\S]*?)```/g)].map(m => m[1]);

// The README's cdk-nag example is for cdk-nag 2 (cdk-nag 3 needs no import: the checks are a validation plugin);
// cdk-nag 2 is installed as cdk-nag-v2.
jest.mock('cdk-nag', () => jest.requireActual('cdk-nag-v2'));

/** Examples import the package by name; here it is the source. */
function requireForExample(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return name === 'cdk-bedrock-guardrail-iam' ? library : require(name);
}

/**
 * The values of what examples declare (`declare const name: Type;`, which rosetta compiles and translates as given,
 * and TypeScript drops): each example runs with them.
 */
const declared: Record<string, unknown> = {
  moreModelIds: Array.from({ length: 149 }, (_, i) => `anthropic.claude-model-${i}-v1:0`),
  profileIds: Array.from({ length: 12 }, (_, i) => `us.anthropic.claude-model-${i}-v1:0`),
};

test('the README has TypeScript examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(8);
});

const firstStatement = (code: string) => code.split('\n').find(l => /^(new |const |EnforcedGuardrail)/.test(l)) ?? '';

describe.each(examples.map((code, i) => [i + 1, firstStatement(code), code]))(
  'README example %d (%s)',
  (_n, _first, code) => {
    test('runs and synthesizes with no error annotation', () => {
      const names = [...(code as string).matchAll(/^declare const (\w+)/gm)].map(m => m[1]);
      expect(names.filter(name => !(name in declared))).toEqual([]);
      const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
      const js = ts.transpileModule(code as string, { compilerOptions }).outputText;
      const stack = new Stack(new App(), 'Readme', { env: { account: '111122223333', region: 'us-east-1' } });
      // Examples that only build values create no resource; an empty template is not valid CloudFormation.
      new CfnWaitConditionHandle(stack, 'Placeholder');
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const run = new Function('require', 'exports', 'module', ...names, js);
      run.call(stack, requireForExample, {}, { exports: {} }, ...names.map(name => declared[name]));
      Template.fromStack(stack);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });
  },
);
