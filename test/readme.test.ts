import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';

/**
 * Runs every TypeScript example in the README, as a user would paste it into a Stack's constructor
 * (`this` is the stack), against the library's source. An example that names an API that does not exist,
 * or fails at synth, fails this test.
 */
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);

function requireForExample(name: string): unknown {
  if (name === 'cdk-bedrock-guardrail-iam') return require('../src');
  return require(name);
}

test('the README has TypeScript examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(8);
});

describe.each(examples.map((code, i) => [i + 1, code.split('\n').find(l => l.startsWith('new ') || l.startsWith('const ') || l.startsWith('EnforcedGuardrail')) ?? '', code]))(
  'README example %d (%s)',
  (_n, _first, code) => {
    test('runs and synthesizes with no error annotation', () => {
      const js = ts.transpileModule(code as string, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
      const stack = new Stack(new App(), 'Readme', { env: { account: '111122223333', region: 'us-east-1' } });
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const run = new Function('require', 'exports', 'module', js);
      run.call(stack, requireForExample, {}, { exports: {} });
      Template.fromStack(stack);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });
  },
);
