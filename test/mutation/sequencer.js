// The test sequencer of mutation testing (test/mutation/jest.config.js). Stryker runs the tests that cover a mutant
// by name (jest's testNamePattern), and jest would still load every test file and run what its describe blocks run.
// This runs only the files that hold a covering test (as recorded by the dry run; a file not recorded always runs),
// and resets the environment's bail at the start of each run. The file expected to kill the mutant soonest goes first:
// the time its covering tests took in the dry run, divided by the share of this process's mutant runs of the file that
// killed the mutant, the latest runs weighing most (the mutants of one source file are tested one after another, so the
// share carries over: state.decay); but the unit tests of the mutant's source file (by name) before all others while
// they kill.
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;
const state = require('./state');

/** A test name escaped as Stryker's jest runner escapes it (its `escapeRegExp`, in an ES module this file cannot require). */
const escapeRegExp = name => name.replace(/[.*+\-?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a recorded test name is selected by the test name pattern. Stryker's is `(name)|(name)|…`, each name
 * escaped, for the hundreds of tests that reach a mutant of shared code: matching every recorded name against that
 * regular expression took about 0.6 s a run (measured), so its names are looked up in a set instead (an escaped
 * name holds no unescaped `)|(`). Any other pattern is matched as jest matches it.
 */
function testNameMatcher(pattern) {
  if (pattern.startsWith('(') && pattern.endsWith(')')) {
    const names = new Set(pattern.slice(1, -1).split(')|('));
    return name => names.has(escapeRegExp(name));
  }
  const matcher = new RegExp(pattern, 'i');
  return name => matcher.test(name);
}

/** The share of this process's mutant runs of a test file that killed the mutant, from one run of two and one kill. */
const killRate = testPath => ((state.kills.get(testPath) ?? 0) + 1) / ((state.runs.get(testPath) ?? 0) + 2);

class MutationTestSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
  }

  sort(tests) {
    state.failed = false;
    const pattern = this.globalConfig.testNamePattern;
    if (!pattern || tests.length === 0) return [...tests];
    state.decay();
    const matches = testNameMatcher(pattern);
    const recorded = new Map(state.recorded(tests[0].context.config.rootDir).map(r => [r.testPath, r]));
    const cost = new Map(tests.map(test => {
      const r = recorded.get(test.path);
      if (r === undefined) return [test.path, Number.MAX_SAFE_INTEGER];
      const matched = r.names.map((name, i) => (matches(name) ? r.testMs[i] : undefined)).filter(ms => ms !== undefined);
      if (matched.length === 0) return [test.path, undefined];
      // The file's load and hooks, then its covering tests.
      const own = r.durationMs - r.testMs.reduce((a, b) => a + b, 0);
      return [test.path, (own + matched.reduce((a, b) => a + b, 0)) / killRate(test.path)];
    }));
    // The unit tests of the mutant's source file go first (compact.test.ts for src/private/compact.ts): they kill most
    // of its mutants, and quickly, but a costly file that seldom ran would come late by its estimate alone. Not while
    // they keep sparing its mutants (a kill rate under 1/4: three runs without a kill; decay brings them back).
    const source = state.sourceOf(tests[0].context.config.rootDir, process.env.__STRYKER_ACTIVE_MUTANT__);
    const unitTest = source === undefined ? undefined : `${path.basename(source, '.ts')}.test.ts`;
    const rank = test => (path.basename(test.path) === unitTest && killRate(test.path) >= 0.25 ? 0 : 1);
    const sorted = tests.filter(test => cost.get(test.path) !== undefined)
      .sort((a, b) => rank(a) - rank(b) || cost.get(a.path) - cost.get(b.path));
    state.trace(tests[0].context.config.rootDir, `mutant ${process.env.__STRYKER_ACTIVE_MUTANT__}: ${sorted.map(t => `${path.basename(t.path)}=${Math.round(cost.get(t.path))}`).join(' ')}`);
    return sorted;
  }
}

module.exports = MutationTestSequencer;
