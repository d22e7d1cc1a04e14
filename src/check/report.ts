import * as fs from 'fs';
import * as path from 'path';
import { MetadataEntry, TemplateStack } from './input';
import { ALL_RULES, Finding, RuleSpec, Severity } from './rules';

/** The name of the checks: the namespace of their acknowledgement IDs (`BedrockGuardrail::…`). */
export const PACK_NAME = 'BedrockGuardrail';

/** A finding as reported: its full rule name, where it is, and whether it was acknowledged (and why). */
export interface ReportedFinding {
  /** `BedrockGuardrail-RULE` and the detail in brackets: `BedrockGuardrail-NonexistentBedrockAction[bedrock:Converse]`. */
  readonly ruleName: string;
  readonly rule: RuleSpec;
  readonly detail?: string;
  readonly severity: Severity;
  readonly stack: string;
  readonly templatePath: string;
  readonly logicalId: string;
  readonly constructPath?: string;
  /** What was found and the fix. */
  readonly message: string;
  /** The reason given where the finding was acknowledged. */
  readonly acknowledged?: string;
}

/** The rule name of a finding, as acknowledgements name it (without the `BedrockGuardrail::` namespace). */
export function ruleNameOf(rule: RuleSpec, detail?: string): string {
  return `${PACK_NAME}-${rule.id}${detail === undefined ? '' : `[${detail}]`}`;
}

/** An acknowledgement given on the command line: a rule (all its findings, or one detail), anywhere or under a path. */
export interface CommandLineAcknowledgement {
  readonly rule: string;
  readonly path?: string;
}

/**
 * The findings, each with its construct path and, when acknowledged, the reason: acknowledgements made in the
 * app (`Validations.of(construct).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-RULE[…]', reason })`,
 * recorded in the cloud assembly) apply to the construct and everything under it, as in `cdk synth`;
 * cdk-nag suppressions recorded in the template (cdk-nag 2's `NagSuppressions`) apply to their resource or
 * template, unless `templateSuppressions` is false (cdk-nag 2 applies them itself); command-line ones name a rule with or without its detail, and optionally a construct path or
 * `STACK/LOGICAL_ID` (for templates without construct paths).
 */
export function reportFindings(
  findings: Finding[], extra: CommandLineAcknowledgement[] = [], options: { readonly templateSuppressions?: boolean } = {},
): ReportedFinding[] {
  return findings.map(f => {
    const ruleName = ruleNameOf(f.rule, f.detail);
    const constructPath = f.stack.constructPaths.get(f.logicalId);
    const reported: ReportedFinding = {
      ruleName,
      rule: f.rule,
      detail: f.detail,
      severity: f.rule.severity,
      stack: f.stack.name,
      templatePath: f.stack.templatePath,
      logicalId: f.logicalId,
      constructPath,
      message: f.message === undefined ? f.rule.info : `${f.rule.info.replace(/ Fix: .*$/, '')} ${f.message} Fix: ${f.rule.info.replace(/^.* Fix: /, '')}`,
    };
    const acknowledged = acknowledgedInApp(f.stack, ruleName, constructPath)
      ?? (options.templateSuppressions === false ? undefined : acknowledgedInTemplate(f.stack, f.logicalId, f.rule, f.detail))
      ?? acknowledgedOnCommandLine(extra, reported);
    return acknowledged === undefined ? reported : { ...reported, acknowledged };
  });
}

/** The reason of the closest acknowledgement of `ruleName` at or above the construct path, as the assembly records it. */
function acknowledgedInApp(stack: TemplateStack, ruleName: string, constructPath: string | undefined): string | undefined {
  return constructPath === undefined ? undefined : acknowledgementAt(stack.metadata, ruleName, constructPath);
}

/**
 * The reason of the closest `Validations.of(x).acknowledge` of `ruleName` at or above `constructPath`, in metadata
 * by construct path (`/Stage/Stack/Role`; the App's own is `/` or empty).
 */
export function acknowledgementAt(
  metadata: { readonly [constructPath: string]: MetadataEntry[] }, ruleName: string, constructPath: string,
): string | undefined {
  const id = `${PACK_NAME}::${ruleName}`;
  for (let at = `/${constructPath}`; ; at = at.slice(0, at.lastIndexOf('/'))) {
    for (const entry of [...metadata[at] ?? [], ...at === '' ? metadata['/'] ?? [] : []]) {
      if (entry?.type === ACKNOWLEDGED_RULES && typeof entry.data?.[id] === 'string') return entry.data[id];
    }
    if (at === '' || at === '/') return undefined;
  }
}

/** The metadata type of `Validations.of(x).acknowledge` (aws-cdk-lib's `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`). */
export const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * The reason of a cdk-nag suppression the template records for the finding (`Metadata.cdk_nag.rules_to_suppress` of
 * the resource, or of the template): what cdk-nag 2's `NagSuppressions` writes (`BedrockGuardrail-RULE`, with
 * `appliesTo` for the detail: strings or `{ regex: '/…/' }`), and what `writeSuppressionsToCloudFormation` writes
 * (`BedrockGuardrail::BedrockGuardrail-RULE[detail]`). Matched as cdk-nag 2 matches them.
 */
function acknowledgedInTemplate(stack: TemplateStack, logicalId: string, rule: RuleSpec, detail: string | undefined): string | undefined {
  const onResource = asList(stack.template?.Resources?.[logicalId]?.Metadata?.cdk_nag?.rules_to_suppress);
  const onTemplate = asList(stack.template?.Metadata?.cdk_nag?.rules_to_suppress);
  for (const [suppression, atResource] of [...onResource.map(r => [r, true] as const), ...onTemplate.map(r => [r, false] as const)]) {
    const reason = reasonOf(suppression);
    // cdk-nag 2 refuses a suppression with a reason under 10 characters.
    if (reason === undefined || reason.length < 10) continue;
    // What writeSuppressionsToCloudFormation writes on a resource.
    if (atResource && suppression.id === `${PACK_NAME}::${ruleNameOf(rule, detail)}`) return reason;
    if (suppression.id !== `${PACK_NAME}-${rule.id}`) continue;
    const appliesTo = suppression.appliesTo ?? suppression.applies_to;
    if (appliesTo === undefined) return reason;
    if (detail !== undefined && asList(appliesTo).some(a => typeof a === 'string' ? a === detail : matchesRegex(a?.regex, detail))) {
      return `[${detail}] ${reason}`;
    }
  }
  return undefined;
}

/** A suppression's reason, decoded as cdk-nag 2 encodes reasons with characters beyond Latin-1 (`is_reason_encoded`). */
function reasonOf(suppression: any): string | undefined {
  if (typeof suppression?.reason !== 'string') return undefined;
  return suppression.is_reason_encoded === true ? Buffer.from(suppression.reason, 'base64').toString() : suppression.reason;
}

function asList(value: any): any[] {
  return Array.isArray(value) ? value : [];
}

/** cdk-nag's `{ regex: '/pattern/flags' }`; one that is not a valid expression matches nothing. */
function matchesRegex(regex: unknown, value: string): boolean {
  const m = typeof regex === 'string' ? /\/(.*)\/(.*)?/.exec(regex) : null;
  if (!m) return false;
  try {
    return new RegExp(m[1], m[2] || '').test(value);
  } catch {
    return false;
  }
}

function acknowledgedOnCommandLine(acknowledgements: CommandLineAcknowledgement[], finding: ReportedFinding): string | undefined {
  for (const ack of acknowledgements) {
    const rule = ack.rule.replace(new RegExp(`^${PACK_NAME}::`), '').replace(new RegExp(`^(${PACK_NAME}-)?`), `${PACK_NAME}-`);
    const ruleMatches = rule.includes('[') ? rule === finding.ruleName : finding.ruleName === rule || finding.ruleName.startsWith(`${rule}[`);
    if (!ruleMatches) continue;
    if (ack.path !== undefined) {
      const where = [finding.constructPath, `${finding.stack}/${finding.logicalId}`].filter((w): w is string => w !== undefined);
      const wanted = ack.path.replace(/^\//, '');
      if (!where.some(w => w === wanted || w.startsWith(`${wanted}/`))) continue;
    }
    return 'acknowledged on the command line';
  }
  return undefined;
}

/**
 * Parses `--acknowledge RULE[:PATH]`: the rule may carry its detail in brackets (which may hold colons) and the
 * `BedrockGuardrail::` namespace; the path is what follows the first single colon outside brackets.
 */
export function parseAcknowledgement(text: string): CommandLineAcknowledgement {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') {depth++;} else if (c === ']') {depth--;} else if (c === ':' && depth === 0) {
      if (text[i + 1] === ':') {
        i++;
        continue;
      }
      return { rule: text.slice(0, i), path: text.slice(i + 1) || undefined };
    }
  }
  return { rule: text };
}

/** Whether any finding is an unacknowledged error (the checker's exit code is 1 then). */
export function hasErrors(findings: ReportedFinding[]): boolean {
  return findings.some(f => f.severity === 'error' && f.acknowledged === undefined);
}

/**
 * One line per finding: severity, rule, stack, logical ID, construct path where known, what was found and the fix;
 * then the number of stacks checked and the counts.
 */
export function formatText(findings: ReportedFinding[], stacks: string[]): string {
  const open = findings.filter(f => f.acknowledged === undefined);
  const lines = open.map(f => `${f.severity.padEnd(7)} ${f.ruleName}  ${f.stack} ${f.logicalId}${f.constructPath ? ` (${f.constructPath})` : ''}  ${f.message}`);
  const errors = open.filter(f => f.severity === 'error').length;
  const acknowledged = findings.length - open.length;
  lines.push(`${stacks.length} stack(s) checked: ${errors} error(s), ${open.length - errors} warning(s)${acknowledged > 0 ? `, ${acknowledged} acknowledged` : ''}.`);
  return lines.join('\n') + '\n';
}

/** The findings as JSON (acknowledged ones included, with their reason), the stacks checked, and the counts. */
export function formatJson(findings: ReportedFinding[], stacks: string[]): string {
  const open = findings.filter(f => f.acknowledged === undefined);
  return JSON.stringify({
    stacks,
    findings: findings.map(f => ({
      rule: f.ruleName,
      severity: f.severity,
      stack: f.stack,
      template: f.templatePath,
      logicalId: f.logicalId,
      constructPath: f.constructPath,
      message: f.message,
      acknowledged: f.acknowledged,
    })),
    errors: open.filter(f => f.severity === 'error').length,
    warnings: open.filter(f => f.severity !== 'error').length,
    acknowledged: findings.length - open.length,
  }, null, 2) + '\n';
}

/**
 * SARIF 2.1.0, for code-scanning tools: one run, the rules with their explanation, one result per finding
 * located at the resource in its template (file and line), acknowledged findings as suppressed.
 */
export function formatSarif(findings: ReportedFinding[], options: { baseDirectory?: string; version?: string } = {}): string {
  const base = options.baseDirectory ?? process.cwd();
  const lines = new Map<string, string[]>();
  const lineOf = (file: string, logicalId: string): number | undefined => {
    if (!lines.has(file)) {
      try {
        lines.set(file, fs.readFileSync(file, 'utf8').split('\n'));
      } catch {
        lines.set(file, []);
      }
    }
    const index = lines.get(file)!.findIndex(l => new RegExp(`^\\s*"?${logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*:`).test(l));
    return index >= 0 ? index + 1 : undefined;
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk-bedrock-guardrail-iam',
          version: options.version,
          rules: ALL_RULES.map(rule => ({
            id: `${PACK_NAME}-${rule.id}`,
            name: rule.id,
            shortDescription: { text: rule.info.replace(/ Fix: .*$/, '') },
            fullDescription: { text: rule.explanation },
            help: { text: `${rule.info} ${rule.explanation}` },
            defaultConfiguration: { level: rule.severity === 'error' ? 'error' : 'warning' },
          })),
        },
      },
      results: findings.map(f => {
        const line = lineOf(f.templatePath, f.logicalId);
        return {
          ruleId: `${PACK_NAME}-${f.rule.id}`,
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: `${f.ruleName}: ${f.message}` },
          locations: [{
            physicalLocation: {
              artifactLocation: { uri: path.relative(base, f.templatePath).split(path.sep).join('/') },
              ...(line === undefined ? {} : { region: { startLine: line } }),
            },
            logicalLocations: [{ name: f.logicalId, fullyQualifiedName: f.constructPath ?? `${f.stack}/${f.logicalId}`, kind: 'resource' }],
          }],
          partialFingerprints: { findingId: `${f.ruleName}@${f.constructPath ?? `${f.stack}/${f.logicalId}`}` },
          ...(f.acknowledged === undefined ? {} : { suppressions: [{ kind: 'external', justification: f.acknowledged }] }),
        };
      }),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
