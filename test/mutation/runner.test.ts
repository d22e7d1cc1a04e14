import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The mutation-testing jest runner (test/mutation/runner.js), in a jest run of its own: in a mutant run, the test files
// after the first failing test are reported as not run, without being loaded; in any other run every file runs.
describe('the mutation-testing jest runner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-runner-'));
  // Each file records that it was loaded, then fails.
  const names = ['a.test.js', 'b.test.js', 'c.test.js'];
  beforeAll(() => {
    for (const name of names) {
      fs.writeFileSync(path.join(dir, name), [
        `require('fs').writeFileSync(require('path').join(__dirname, '${name}.loaded'), '');`,
        "test('fails', () => { throw new Error('killed'); });",
      ].join('\n'));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(mutant: boolean) {
    for (const name of names) fs.rmSync(path.join(dir, `${name}.loaded`), { force: true });
    const config = {
      rootDir: dir,
      testMatch: ['<rootDir>/*.test.js'],
      transform: {},
      testEnvironment: path.join(__dirname, 'environment.js'),
      runner: path.join(__dirname, 'runner.js'),
    };
    const env: NodeJS.ProcessEnv = { ...process.env, __STRYKER_ACTIVE_MUTANT__: mutant ? '7' : undefined, MUTATE_TRACE: undefined };
    const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--runInBand', '--json', '--ci'], {
      cwd: dir, env, encoding: 'utf8', timeout: 50_000,
    });
    const json = JSON.parse(result.stdout);
    return {
      loaded: names.filter(name => fs.existsSync(path.join(dir, `${name}.loaded`))),
      statuses: json.testResults.map((r: any) => r.assertionResults.map((a: any) => `${a.status}: ${a.title}`)).flat().sort(),
    };
  }

  test('a mutant run loads the files up to the first that fails; the others are reported as not run', () => {
    const { loaded, statuses } = run(true);
    expect(loaded).toHaveLength(1);
    expect(statuses).toEqual([
      'failed: fails',
      'pending: not run: a test of an earlier file killed the mutant',
      'pending: not run: a test of an earlier file killed the mutant',
    ]);
  });

  test('any other run runs every file', () => {
    const { loaded, statuses } = run(false);
    expect(loaded).toEqual(names);
    expect(statuses).toEqual(['failed: fails', 'failed: fails', 'failed: fails']);
  });
});
