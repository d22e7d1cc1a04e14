import type { NagMessageLevel as Level, NagRuleCompliance as Compliance, NagRuleFindings } from 'cdk-nag';

/**
 * cdk-nag's result and level values, written here so that the rules and the pack's table load without
 * cdk-nag: the package is loaded only when the checks run (`BedrockGuardrailChecks`). The values are
 * cdk-nag's own (its enums are strings), checked by a test against the installed cdk-nag.
 */
export const COMPLIANT = 'Compliant' as Compliance.COMPLIANT;
export const NON_COMPLIANT = 'Non-Compliant' as Compliance.NON_COMPLIANT;
export const NOT_APPLICABLE = 'N/A' as Compliance.NOT_APPLICABLE;
export const ERROR = 'Error' as Level.ERROR;
export const WARN = 'Warning' as Level.WARN;

export type RuleResult = Compliance | NagRuleFindings;
