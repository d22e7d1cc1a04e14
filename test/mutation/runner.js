// The jest runner of mutation testing (test/mutation/jest.config.js): jest's own, except in a mutant run (Stryker runs
// jest in band) whose mutant a test has already killed. Then the later test files are not run at all: jest would still
// give each an environment, a runtime and the setup files before its test framework could skip it (about 45 ms a
// file, measured in the trace; a run that kills in its first file skips up to 40). Each is reported with one skipped
// test instead, since jest counts a file without tests as an error, and Stryker an error as a run that neither killed
// nor spared the mutant.
const Emittery = require('emittery');
const { createEmptyTestResult } = require('@jest/test-result');
const { default: TestRunner, EmittingTestRunner } = require('jest-runner');
const state = require('./state');

/** The events jest's scheduler listens to. */
const EVENTS = ['test-file-start', 'test-file-success', 'test-file-failure', 'test-case-start', 'test-case-result'];

/** The result of a test file that a mutant run did not run. */
function notRun(testPath) {
  const title = 'not run: a test of an earlier file killed the mutant';
  return {
    ...createEmptyTestResult(),
    testFilePath: testPath,
    numPendingTests: 1,
    testResults: [{
      ancestorTitles: [], duration: 0, failureDetails: [], failureMessages: [], fullName: title, invocations: 0,
      location: null, numPassingAsserts: 0, retryReasons: [], status: 'pending', title,
    }],
  };
}

class MutationTestRunner extends EmittingTestRunner {
  #runner;
  #events = new Emittery();

  constructor(globalConfig, context, options) {
    super(globalConfig, context, options);
    this.#runner = new TestRunner(globalConfig, context, options);
    for (const name of EVENTS) this.#runner.on(name, args => this.#events.emit(name, args));
  }

  on(name, listener) {
    return this.#events.on(name, listener);
  }

  async runTests(tests, watcher, options) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !options.serial) return this.#runner.runTests(tests, watcher, options);
    for (const test of tests) {
      if (state.failed) await this.#events.emit('test-file-success', [test, notRun(test.path)]);
      else await this.#runner.runTests([test], watcher, options);
    }
  }
}

module.exports = MutationTestRunner;
