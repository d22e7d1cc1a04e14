/**
 * Rewrites lib/index.js after compilation so that each public class and enum is loaded from its module on
 * first use (a getter), as aws-cdk-lib does for its own modules: importing the package then costs little,
 * and an app that uses only the invoker role never loads the agent, flow or check modules.
 *
 * The names come from the jsii assembly (.jsii), where each type records the file it is declared in. The
 * script checks that the lazy index exports exactly the classes and enums of the assembly, each the same
 * object as the compiled eager index exported, and fails the build otherwise.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const indexPath = path.join(root, 'lib', 'index.js');
const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));

// The compiled index, as tsc wrote it (kept for the check below).
const eagerPath = path.join(root, 'lib', 'index.eager.js');
const compiled = fs.readFileSync(indexPath, 'utf8');
if (compiled.includes('Object.defineProperty(exports, "__lazy"')) {
  console.log('lib/index.js is already lazy (compile again to rewrite it).');
  process.exit(0);
}

const runtimeTypes = Object.values(assembly.types as { [fqn: string]: any })
  .filter(t => t.kind === 'class' || t.kind === 'enum')
  .map(t => ({ name: t.name as string, module: './' + path.relative('src', t.locationInModule.filename).replace(/\.ts$/, '') }))
  .sort((a, b) => a.name.localeCompare(b.name));

// Each export is a plain getter `function () { return lazy.NAME; }` as tsc writes re-exports, so that Node's
// ES module loader (cjs-module-lexer) finds the names: `import { GuardrailEnforcedInvokerRole } from` works.
const lines = [
  '"use strict";',
  '// Written by projenrc/lazy-index.ts after compilation: each class and enum is loaded from its module when first used.',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'Object.defineProperty(exports, "__lazy", { value: true });',
  'const lazy = {};',
  ...runtimeTypes.map(t => `Object.defineProperty(lazy, ${JSON.stringify(t.name)}, { get: () => require(${JSON.stringify(t.module)}).${t.name} });`),
  ...runtimeTypes.map(t => `Object.defineProperty(exports, ${JSON.stringify(t.name)}, { enumerable: true, get: function () { return lazy.${t.name}; } });`),
  '',
];

fs.writeFileSync(eagerPath, compiled);
fs.writeFileSync(indexPath, lines.join('\n'));

// The check: the same classes and enums, the same objects, as the eager index; nothing of the assembly missing.
/* eslint-disable @typescript-eslint/no-require-imports */
const eager = require(eagerPath);
const lazy = require(indexPath);
/* eslint-enable @typescript-eslint/no-require-imports */
const problems: string[] = [];
for (const t of runtimeTypes) {
  if (eager[t.name] === undefined) problems.push(`${t.name} is in the assembly but not exported by the compiled index`);
  else if (lazy[t.name] !== eager[t.name]) problems.push(`${t.name} from the lazy index is not the compiled index's ${t.name}`);
}
// A runtime name the compiled index exports but the assembly does not know would be in lib/index.d.ts and
// missing at run time: the index must export only the public API.
for (const name of Object.keys(eager).filter(k => !(k in lazy))) {
  problems.push(`the compiled index exports ${name}, which is not a class or enum of the jsii assembly: export it from a module that src/index.ts does not re-export`);
}
fs.rmSync(eagerPath);
// ES modules see the same names (Node reads a CommonJS module's names without running it).
const esmNames: string[] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e',
  `import * as m from ${JSON.stringify(indexPath)}; console.log(JSON.stringify(Object.keys(m)));`]).toString());
for (const t of runtimeTypes) {
  if (!esmNames.includes(t.name)) problems.push(`${t.name} is not a named export for ES modules (import { ${t.name} } from the package would fail)`);
}
if (problems.length > 0) {
  throw new Error(`lazy-index: ${problems.join('; ')}`);
}
console.log(`lib/index.js: ${runtimeTypes.length} classes and enums, each loaded on first use, the same for require() and import.`);
