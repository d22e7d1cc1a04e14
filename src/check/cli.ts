import * as fs from 'fs';
import * as path from 'path';
import { CheckInputError, readInputs } from './input';
import { CommandLineAcknowledgement, formatJson, formatSarif, formatText, hasErrors, parseAcknowledgement, reportFindings } from './report';
import { checkTemplates } from './rules';

const USAGE = `Usage: cdk-bedrock-guardrail-iam check <path>... [options]

Checks synthesized CloudFormation for Amazon Bedrock inference without an approved guardrail, with the
rules of BedrockGuardrailChecks. <path> is a cloud assembly directory (cdk.out, nested stage assemblies
included) or CloudFormation template files (JSON or YAML).

Options:
  --format text|json|sarif     output format (default text; sarif is SARIF 2.1.0)
  --output FILE                write the report to FILE instead of standard output
  --acknowledge RULE[:PATH]    accept the findings of RULE (optionally RULE[DETAIL]), under a construct
                               path or STACK/LOGICAL_ID; repeatable. Acknowledgements made in the app with
                               Validations.of(x).acknowledge() are read from the cloud assembly.
  --ignore-template-suppressions
                               do not honour cdk-nag suppressions written in the templates (cdk-nag 2's
                               NagSuppressions, Metadata.cdk_nag); by default they are honoured, as in cdk synth.

Exit code: 0 when there is no unacknowledged error, 1 when there is one, 2 for bad input.
`;

/** Where the command writes. */
export interface CommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: CommandOutput = {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
};

/**
 * The `cdk-bedrock-guardrail-iam` command. Returns the exit code: 0 without errors, 1 with an error-level
 * finding that is not acknowledged, 2 for bad input (a clear message, never a stack trace).
 */
export function main(argv: string[], output: CommandOutput = PROCESS_OUTPUT): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? output.stderr : output.stdout)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'check') {
    output.stderr(`Unknown command '${command}'.\n\n${USAGE}`);
    return 2;
  }
  let options: Options;
  try {
    options = parseOptions(rest);
  } catch (e) {
    output.stderr(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    output.stdout(USAGE);
    return 0;
  }
  try {
    const stacks = readInputs(options.paths);
    const findings = reportFindings(checkTemplates(stacks), options.acknowledgements, { templateSuppressions: !options.ignoreTemplateSuppressions });
    const names = stacks.map(s => s.name);
    const report = options.format === 'json' ? formatJson(findings, names)
      : options.format === 'sarif' ? formatSarif(findings, { version: packageVersion() })
        : formatText(findings, names);
    if (options.output !== undefined) {
      try {
        fs.writeFileSync(options.output, report);
      } catch (e) {
        throw new CheckInputError(`${options.output}: cannot be written (${(e as Error).message}).`);
      }
      if (options.format !== 'text') output.stdout(formatText(findings, names));
    } else {
      output.stdout(report);
    }
    return hasErrors(findings) ? 1 : 0;
  } catch (e) {
    if (e instanceof CheckInputError) {
      output.stderr(`cdk-bedrock-guardrail-iam: ${e.message}\n`);
      return 2;
    }
    output.stderr(`cdk-bedrock-guardrail-iam: unexpected error: ${(e as Error).message}\n`);
    return 2;
  }
}

interface Options {
  readonly paths: string[];
  readonly format: 'text' | 'json' | 'sarif';
  readonly output?: string;
  readonly acknowledgements: CommandLineAcknowledgement[];
  readonly ignoreTemplateSuppressions: boolean;
  readonly help: boolean;
}

function parseOptions(args: string[]): Options {
  const paths: string[] = [];
  const acknowledgements: CommandLineAcknowledgement[] = [];
  let format: Options['format'] = 'text';
  let out: string | undefined;
  let help = false;
  let ignoreTemplateSuppressions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new Error(`--format must be text, json or sarif, not '${v}'.`);
        format = v;
        break;
      }
      case '--output':
        out = value();
        break;
      case '--acknowledge': {
        const v = value();
        if (v.trim() === '') throw new Error('--acknowledge needs a rule (RULE or RULE:PATH).');
        acknowledgements.push(parseAcknowledgement(v));
        break;
      }
      case '--ignore-template-suppressions':
        ignoreTemplateSuppressions = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`Unknown option '${arg}'.`);
        paths.push(arg);
    }
  }
  if (paths.length === 0 && !help) throw new Error('Give a cloud assembly directory (cdk.out) or template files to check.');
  return { paths, format, output: out, acknowledgements, ignoreTemplateSuppressions, help };
}

function packageVersion(): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}
