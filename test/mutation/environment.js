// The jest environment of mutation testing (test/mutation/jest.config.js): node, plus three things.
// - Coverage of a file's load (its imports and describe blocks) is counted for each of the file's tests, and that of a
//   beforeAll hook for each test of its describe block.
//   Stryker counts code run outside a test as "static" and tests a static mutant against every test file, because
//   some test runners keep modules loaded between mutants. Jest does not: each run loads each test file, and the
//   modules it imports, anew with the mutant active, so exactly that file's tests can see what its load built.
// - It records each test file's tests (Stryker's dry run runs every test), so that the sequencer can run only the
//   files whose tests cover a mutant.
// - In a mutant run (Stryker sets __STRYKER_ACTIVE_MUTANT__), it skips every test after the first that fails (and
//   runner.js every later test file): one failure kills the mutant, and jest's own `bail` cannot be set through Stryker.
const path = require('path');
const { TestEnvironment } = require('jest-environment-node');
const state = require('./state');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

class MutationTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.rootDir = config.projectConfig.rootDir;
    this.testPath = context.testPath;
    this.tests = [];
    this.blockHits = new Map();
    this.started = Date.now();
  }

  /** Stryker's coverage counters (present in its dry run: `{ static, perTest }`, mutant id to hit count). */
  coverage() {
    return this.global[this.global.__strykerGlobalNamespace__ ?? '__stryker__']?.mutantCoverage;
  }

  async setup() {
    await super.setup();
    // Before the test file loads: the static counts so far (of the files run before it, in this process).
    this.staticBefore = { ...(this.coverage()?.static ?? {}) };
  }

  /** The static hits counted since `before` (a snapshot of the static counts), taken back out of them. */
  takeStaticSince(before) {
    const coverage = this.coverage();
    const taken = {};
    if (coverage === undefined) return taken;
    for (const [id, hits] of Object.entries(coverage.static)) {
      const added = hits - (before[id] ?? 0);
      if (added <= 0) continue;
      taken[id] = added;
      if (before[id] === undefined) delete coverage.static[id];
      else coverage.static[id] = before[id];
    }
    return taken;
  }

  /** Counts `hits` for the test named `name`. */
  addToTest(name, hits) {
    const coverage = this.coverage();
    const perTest = coverage.perTest[name] = coverage.perTest[name] ?? {};
    for (const [id, n] of Object.entries(hits)) perTest[id] = (perTest[id] ?? 0) + n;
  }

  async handleTestEvent(event) {
    const mutantRun = process.env[ACTIVE_MUTANT] !== undefined;
    if (event.name === 'run_start' && mutantRun) {
      state.runs.set(this.testPath, (state.runs.get(this.testPath) ?? 0) + 1);
    } else if (event.name === 'test_start' && mutantRun && state.failed) {
      event.test.mode = 'skip';
    } else if (event.name === 'test_start') {
      this.testStarted = Date.now();
    } else if (event.name === 'hook_start' && event.hook.type === 'beforeAll' && !mutantRun) {
      this.hookBefore = { ...(this.coverage()?.static ?? {}) };
    } else if ((event.name === 'hook_success' || event.name === 'hook_failure') && event.hook.type === 'beforeAll' && !mutantRun) {
      // What a beforeAll hook runs counts for the tests of its describe block (and the blocks in it) only.
      const hits = this.takeStaticSince(this.hookBefore);
      const block = event.hook.parent;
      this.blockHits.set(block, [...(this.blockHits.get(block) ?? []), hits]);
    } else if (event.name === 'test_done') {
      if (event.test.errors.length > 0 && mutantRun && !state.failed) {
        state.failed = true;
        state.kills.set(this.testPath, (state.kills.get(this.testPath) ?? 0) + 1);
      }
      const blocks = [];
      for (let block = event.test.parent; block !== undefined; block = block.parent) blocks.push(block);
      this.tests.push({ name: state.fullName(event.test), blocks, ms: Date.now() - this.testStarted });
    } else if (event.name === 'run_finish' && mutantRun) {
      state.trace(this.rootDir, `  ${path.basename(this.testPath)} ${Date.now() - this.started} ms${state.failed ? ' (failed)' : ''}`);
    } else if (event.name === 'run_finish' && !mutantRun) {
      if (this.coverage() !== undefined && this.tests.length > 0) {
        // What the file's load ran (its imports and describe blocks) counts for each of its tests.
        const load = this.takeStaticSince(this.staticBefore);
        for (const test of this.tests) {
          this.addToTest(test.name, load);
          for (const block of test.blocks) for (const hits of this.blockHits.get(block) ?? []) this.addToTest(test.name, hits);
        }
      }
      state.record(this.rootDir, this.testPath, this.tests.map(t => t.name), this.tests.map(t => t.ms), Date.now() - this.started);
    }
  }
}

module.exports = MutationTestEnvironment;
