// State shared by the mutation-testing environment and sequencer (test/mutation/jest.config.js). Stryker runs jest in
// band in its worker processes, so both load this module once per process, outside jest's module registry.
const fs = require('fs');
const path = require('path');

/** The directory where the dry run records the tests of each test file. */
const testsDir = rootDir => path.join(rootDir, '.mutation-tests');

module.exports = {
  /** Whether a test has failed in the current jest run (reset by the sequencer at the start of each run). */
  failed: false,

  /**
   * In this process, how many mutant runs ran each test file's tests (`runs`), and how many of them a test of the
   * file failed in (`kills`): the sequencer's estimate of how likely the file is to kill the next mutant. Each run
   * weighs the earlier ones by DECAY (`decay()`), so that the estimate follows the source file under test.
   */
  runs: new Map(),
  kills: new Map(),

  /** Each mutant's source file, by mutant id (`sourceOf`). */
  sources: undefined,

  /**
   * Weighs the runs and kills counted so far by 0.9 (a run ten mutants ago counts for a third). Stryker tests the
   * mutants of one source file one after another, and each source file has its own likely killers: the unit tests
   * of compact.ts kill its mutants, but few of the enforcement's, which every construct's tests reach.
   */
  decay() {
    for (const counts of [this.runs, this.kills]) for (const [file, n] of counts) counts.set(file, n * 0.9);
  },

  /** A test's full name exactly as Stryker's jest environment writes it (its test filter matches these). */
  fullName(test) {
    const suite = block => (block.parent ? `${suite(block.parent)} ${block.name}`.trimStart() : '');
    return `${suite(test.parent)} ${test.name}`.trimStart();
  },

  /**
   * Records a test file's tests (written once per test file, by the dry run): `names`, `testMs` (each test's duration,
   * in the same order) and `durationMs` (the whole file's, with its load and hooks).
   */
  record(rootDir, testPath, names, testMs, durationMs) {
    const dir = testsDir(rootDir);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${path.relative(rootDir, testPath).replace(/[\\/]/g, '__')}.json`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ testPath, names, testMs, durationMs }));
  },

  /** With MUTATE_TRACE set, appends a line to .mutation-tests/trace.log (which files each mutant run loads, and how long they take). */
  trace(rootDir, line) {
    if (process.env.MUTATE_TRACE === undefined) return;
    fs.mkdirSync(testsDir(rootDir), { recursive: true });
    fs.appendFileSync(path.join(testsDir(rootDir), 'trace.log'), `${new Date().toISOString()} ${process.pid} ${line}\n`);
  },

  /**
   * The source file of a mutant (its path from `rootDir`, with `/`), read from the instrumented sources of the sandbox
   * (Stryker marks each mutant's code `stryMutAct_…("id")`): once per process, the first time it is asked.
   */
  sourceOf(rootDir, mutantId) {
    if (this.sources === undefined) {
      this.sources = new Map();
      const walk = dir => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (entry.name.endsWith('.ts')) {
            const relative = path.relative(rootDir, full).split(path.sep).join('/');
            for (const [, id] of fs.readFileSync(full, 'utf8').matchAll(/stryMutAct_\w+\("(\d+)"\)/g)) this.sources.set(id, relative);
          }
        }
      };
      if (fs.existsSync(path.join(rootDir, 'src'))) walk(path.join(rootDir, 'src'));
    }
    return this.sources.get(mutantId);
  },

  /** The recorded test files: { testPath, names, testMs, durationMs }[] (none before the dry run). */
  recorded(rootDir) {
    const dir = testsDir(rootDir);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter(f => f.endsWith('.json')).map(f => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  },
};
