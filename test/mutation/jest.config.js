// Jest configuration for mutation testing (stryker.config.json): the project's (package.json, written by projen),
// transpiled without type checks (`npx projen test` checks types), one reporter, the environment, sequencer and jest runner
// of this folder (run only the test files that cover a mutant; stop at its first failing test), and optionally only
// some test files: MUTATE_TESTS=test/guardrail,test/invoker/simulation.test.ts (test files, or folders whose
// *.test.ts files run, from the repository root; globs allowed).
const path = require('path');
const { jest } = require('../../package.json');

const tests = (process.env.MUTATE_TESTS ?? '').split(',').map(t => t.trim()).filter(t => t !== '')
  .map(t => t.endsWith('.ts') ? t : `${t.replace(/\/?(\*\*)?\/?$/, '')}/**/*.test.ts`);

module.exports = {
  ...jest,
  rootDir: path.join(__dirname, '..', '..'),
  testEnvironment: path.join(__dirname, 'environment.js'),
  testSequencer: path.join(__dirname, 'sequencer.js'),
  runner: path.join(__dirname, 'runner.js'),
  transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }] },
  reporters: ['default'],
  ...(tests.length > 0 ? { testMatch: tests.map(t => `<rootDir>/${t}`) } : {}),
};
