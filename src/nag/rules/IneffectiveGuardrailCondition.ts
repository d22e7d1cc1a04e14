import { CfnResource } from 'aws-cdk-lib';
import { asArray, asText, isKnown } from '../../util/policy-json';
import { documentsOf, guardrailConditions } from '../analysis';
import { COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/**
 * A guardrail ARN, optionally with a version or `:*`: the ID is lowercase letters and digits (a name such as
 * `G-HR-Compliance` never appears in an ARN), or `*` where a part is not known at synth.
 */
const GUARDRAIL_ARN = /^arn:[^:]+:bedrock:[^:]*:[^:]*:guardrail\/([a-z0-9]+|\*)(:([0-9]+|\*))?$/;
/** `…/guardrail/ID*`: also matches every guardrail whose ID starts with ID. */
const PREFIX_WILDCARD = /:guardrail\/[^:/*]+\*$/;

/**
 * Error: a `bedrock:GuardrailIdentifier` condition that does not enforce what it seems to:
 * - an `...IfExists` operator on an Allow (a request without a guardrail passes it);
 * - a value ending in `/ID*` (also admits every guardrail whose ID starts the same);
 * - a value that is not a guardrail ARN (a name or bare ID never matches the ARN in the request); values
 *   built from references to other resources cannot be read at synth and are not checked.
 *
 * One finding per problem, so each can be acknowledged on its own.
 */
export function IneffectiveGuardrailCondition(node: CfnResource): RuleResult {
  const findings = new Set<string>();
  let checked = false;
  for (const doc of documentsOf(node)) {
    for (const statement of asArray(doc.Statement)) {
      for (const [operator, values] of guardrailConditions(statement)) {
        checked = true;
        if (statement.Effect === 'Allow' && operator.endsWith('IfExists')) findings.add(`IfExistsOnAllow::${operator}`);
        for (const raw of values) {
          const value = asText(raw);
          // `${guardrail.attrGuardrailArn}*` reads as `**`: a wildcard right after an unknown ARN, not after `:`.
          if (PREFIX_WILDCARD.test(value) || (!isKnown(raw) && /[^:]\*$/.test(value))) findings.add(`PrefixWildcard::${value}`);
          // A value built from references (a guardrail resource's ARN) is checked where it is made.
          else if (isKnown(raw) && !GUARDRAIL_ARN.test(value)) findings.add(`NotAGuardrailArn::${value}`);
        }
      }
    }
  }
  if (findings.size > 0) return [...findings];
  return checked ? COMPLIANT : NOT_APPLICABLE;
}
