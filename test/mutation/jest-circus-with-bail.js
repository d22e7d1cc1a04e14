// The test runner of mutation testing (test/mutation/jest.config.js): jest-circus, except in a mutant run whose mutant
// a test has already killed. Then the test file is not loaded at all (loading it, even with every test skipped, costs
// its imports and its describe blocks, about 0.3 to 1 s a file): it reports one skipped test instead, since jest
// counts a file without tests as an error, and Stryker an error as a run that neither killed nor spared the mutant.
const circus = require('jest-circus/runner').default;
const { createEmptyTestResult } = require('@jest/test-result');
const state = require('./state');

module.exports = async function mutationTestRunner(globalConfig, config, environment, runtime, testPath, sendMessageToJest) {
  if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !state.failed) {
    return circus(globalConfig, config, environment, runtime, testPath, sendMessageToJest);
  }
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
};
