import * as iam from 'aws-cdk-lib/aws-iam';
import { unique } from '../util/policy-json';

/** The conditions of a statement: operator, then condition key, then one value or several. */
export type Conditions = { [operator: string]: { [key: string]: string | string[] } };

/** An Allow of `actions` on `resources` (each once), under `conditions` when given. */
export function allow(sid: string | undefined, actions: string[], resources: string[], conditions?: Conditions): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources: unique(resources), conditions });
}

/** A Deny of `actions` on `resources` (each once), under `conditions` when given. */
export function deny(sid: string, actions: string[], resources: string[], conditions?: Conditions): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources: unique(resources), conditions });
}

/** A condition value as the AWS docs write it: one value alone, several as a list. */
export function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}
