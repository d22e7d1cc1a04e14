import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** The service that assumes agent, flow and knowledge-base service roles. */
export const BEDROCK_SERVICE = 'bedrock.amazonaws.com';

/**
 * The confused-deputy trust of a service role ("Create a service role for Amazon Bedrock Agents", "... for
 * Amazon Bedrock Flows"): only `service`, only for resources of this account (`aws:SourceAccount`) whose ARN
 * matches `sourceArns` (`aws:SourceArn`).
 */
export function serviceTrustPrincipal(scope: IConstruct, service: string, sourceArns: string[]): iam.IPrincipal {
  return new iam.ServicePrincipal(service, {
    conditions: {
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
      ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : sourceArns },
    },
  });
}
