import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack } from './example-stack';
import { OrganizationStack } from './organization-stack';
import { TeamStack } from './team-stack';
import { BedrockGuardrailChecks } from '../src';

// Any issue aws-cdk-lib's CloudFormation validation finds in the templates fails the synth, not just a warning.
const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
// Check the whole app at synth: this library's rules and the AWS Solutions rules.
Validations.of(app).addPlugins(new BedrockGuardrailChecks(app), new AwsSolutionsChecks(app));
new ExampleStack(app, 'BedrockGuardrailIamExample', {
  // The example's guardrail and inference profiles are the US ones, so the Region is fixed.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
});
// The organization-wide enforcement, deployed in the management account.
new OrganizationStack(app, 'BedrockGuardrailIamOrganization', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
});
// A member account whose teams create their own roles: the guardrail rule as their permissions boundary.
new TeamStack(app, 'BedrockGuardrailIamTeam', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
});
app.synth();
