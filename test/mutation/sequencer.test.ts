import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The mutation-testing sequencer (test/mutation/sequencer.js): which test files a mutant run loads, and in what order.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('./sequencer');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require('./state');

describe('the mutation-testing sequencer', () => {
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-'));
  const file = (name: string) => path.join(rootDir, 'test', name);
  const testOf = (name: string) => ({ path: file(name), context: { config: { rootDir } } });
  const tests = ['slow.test.ts', 'fast.test.ts', 'unrecorded.test.ts', 'other.test.ts'].map(testOf);
  const order = (pattern: string | undefined) => new Sequencer({ contexts: [], globalConfig: { testNamePattern: pattern } })
    .sort(tests).map((t: { path: string }) => path.basename(t.path));

  beforeAll(() => {
    state.record(rootDir, file('slow.test.ts'), ['a shared test', 'slow alone'], [5000, 10], 5100);
    state.record(rootDir, file('fast.test.ts'), ['a shared test', 'fast alone'], [20, 10], 100);
    state.record(rootDir, file('other.test.ts'), ['unrelated'], [10], 50);
  });
  afterAll(() => fs.rmSync(rootDir, { recursive: true, force: true }));
  afterEach(() => {
    state.kills.clear();
    state.runs.clear();
  });

  test('runs only the files holding a selected test, and those not recorded, the cheapest covering tests first', () => {
    // Stryker's test filter: each test's full name, escaped, in a group.
    expect(order('(a shared test)')).toEqual(['fast.test.ts', 'slow.test.ts', 'unrecorded.test.ts']);
    expect(order('(slow alone)|(fast alone)')).toEqual(['fast.test.ts', 'slow.test.ts', 'unrecorded.test.ts']);
    expect(order('(unrelated)')).toEqual(['other.test.ts', 'unrecorded.test.ts']);
  });

  test('a file that killed the mutant in most of its runs goes before a cheaper one that seldom did', () => {
    state.runs.set(file('slow.test.ts'), 200);
    state.kills.set(file('slow.test.ts'), 200);
    state.runs.set(file('fast.test.ts'), 200);
    expect(order('(a shared test)')).toEqual(['slow.test.ts', 'fast.test.ts', 'unrecorded.test.ts']);
    // Killing as often, the cheaper file goes first.
    state.kills.set(file('fast.test.ts'), 200);
    expect(order('(a shared test)')).toEqual(['fast.test.ts', 'slow.test.ts', 'unrecorded.test.ts']);
  });

  test('the latest runs weigh most: a file that stopped killing gives way to one that kills now', () => {
    const slow = file('slow.test.ts');
    const fast = file('fast.test.ts');
    state.runs.set(slow, 200);
    state.kills.set(slow, 200);
    state.runs.set(fast, 200);
    expect(order('(a shared test)')[0]).toBe('slow.test.ts');
    // The mutants of another source file: both files run each time, and only fast.test.ts kills, the last two.
    for (let i = 0; i < 20; i++) {
      state.runs.set(slow, state.runs.get(slow) + 1);
      state.runs.set(fast, state.runs.get(fast) + 1);
      if (i >= 18) state.kills.set(fast, (state.kills.get(fast) ?? 0) + 1);
      order('(a shared test)');
    }
    expect(order('(a shared test)')[0]).toBe('fast.test.ts');
    state.runs.set(slow, 10);
    state.decay();
    expect(state.runs.get(slow)).toBeCloseTo(9);
  });

  test('Stryker\'s filter selects by whole names, escaped as Stryker escapes them; any other pattern as jest matches it', () => {
    state.record(rootDir, file('special.test.ts'), ['a (b) | c.d* [e] {f} $g^ h? +i -j \\k'], [10], 20);
    const some = ['special.test.ts', 'other.test.ts'].map(testOf);
    const select = (pattern: string) => new Sequencer({ contexts: [], globalConfig: { testNamePattern: pattern } })
      .sort(some).map((t: { path: string }) => path.basename(t.path));
    expect(select('(a \\(b\\) \\| c\\.d\\* \\[e\\] \\{f\\} \\$g\\^ h\\? \\+i \\-j \\\\k)|(unrelated)')).toEqual(['special.test.ts', 'other.test.ts']);
    // Part of a name is not the name.
    expect(select('(c\\.d\\*)')).toEqual([]);
    expect(select('c\\.d')).toEqual(['special.test.ts']);
  });

  test('the unit tests of the mutant\'s source file go first, whatever their cost, while they kill', () => {
    // An instrumented sandbox: mutant 7 is in src/private/slow.ts, mutant 8 in src/other/nothing.ts.
    fs.mkdirSync(path.join(rootDir, 'src', 'private'), { recursive: true });
    fs.mkdirSync(path.join(rootDir, 'src', 'other'), { recursive: true });
    fs.writeFileSync(path.join(rootDir, 'src', 'private', 'slow.ts'), 'const a = stryMutAct_9fa48("6") ? 1 : (stryCov_9fa48("6"), stryMutAct_9fa48("7") ? 2 : 3);');
    fs.writeFileSync(path.join(rootDir, 'src', 'other', 'nothing.ts'), 'const b = stryMutAct_9fa48("8") ? 1 : 2;');
    fs.writeFileSync(path.join(rootDir, 'src', 'other', 'notes.md'), 'stryMutAct_9fa48("9")');
    state.sources = undefined;
    const active = process.env.__STRYKER_ACTIVE_MUTANT__;
    try {
      process.env.__STRYKER_ACTIVE_MUTANT__ = '7';
      expect(order('(a shared test)')).toEqual(['slow.test.ts', 'fast.test.ts', 'unrecorded.test.ts']);
      // Only if it covers the mutant.
      expect(order('(fast alone)')).toEqual(['fast.test.ts', 'unrecorded.test.ts']);
      // Not while it spares the mutants: three runs without a kill.
      state.runs.set(file('slow.test.ts'), 2.71);
      expect(order('(a shared test)')).toEqual(['fast.test.ts', 'slow.test.ts', 'unrecorded.test.ts']);
      state.runs.set(file('slow.test.ts'), 1.9);
      state.kills.set(file('fast.test.ts'), 1.9);
      expect(order('(a shared test)')).toEqual(['slow.test.ts', 'fast.test.ts', 'unrecorded.test.ts']);
      state.runs.clear();
      state.kills.clear();
      for (const id of ['8', '9', '10']) {
        process.env.__STRYKER_ACTIVE_MUTANT__ = id;
        expect(order('(a shared test)')).toEqual(['fast.test.ts', 'slow.test.ts', 'unrecorded.test.ts']);
      }
      expect(state.sourceOf(rootDir, '6')).toBe('src/private/slow.ts');
      expect(state.sourceOf(rootDir, '8')).toBe('src/other/nothing.ts');
      expect(state.sourceOf(rootDir, '9')).toBeUndefined();
    } finally {
      if (active === undefined) delete process.env.__STRYKER_ACTIVE_MUTANT__;
      else process.env.__STRYKER_ACTIVE_MUTANT__ = active;
      state.sources = undefined;
    }
  });

  test('without a test filter (the dry run), every file runs, and the bail of the last run is reset', () => {
    state.failed = true;
    expect(order(undefined)).toEqual(['slow.test.ts', 'fast.test.ts', 'unrecorded.test.ts', 'other.test.ts']);
    expect(state.failed).toBe(false);
  });
});
