import { CfnResource } from 'aws-cdk-lib';
import { asArray, asText } from '../../util/policy-json';
import { documentsOf } from '../analysis';
import { COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/**
 * Actions that some documents name but IAM does not know. InvokeModel and Converse need
 * `bedrock:InvokeModel`; InvokeModelWithResponseStream and ConverseStream need
 * `bedrock:InvokeModelWithResponseStream` (Service Authorization Reference, Amazon Bedrock).
 */
const NONEXISTENT = ['bedrock:invokemodelwithguardrail', 'bedrock:converse', 'bedrock:conversestream'];

/** Error: a policy names an action that does not exist, so that statement grants or denies nothing. */
export function NonexistentBedrockAction(node: CfnResource): RuleResult {
  const docs = documentsOf(node);
  if (docs.length === 0) return NOT_APPLICABLE;
  const findings = new Set<string>();
  for (const doc of docs) {
    for (const statement of asArray(doc.Statement)) {
      for (const action of [...asArray(statement.Action), ...asArray(statement.NotAction)].map(asText)) {
        if (NONEXISTENT.includes(action.toLowerCase())) findings.add(action);
      }
    }
  }
  return findings.size > 0 ? [...findings] : COMPLIANT;
}
