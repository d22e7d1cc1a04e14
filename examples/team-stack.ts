import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EnforcedGuardrail, GuardrailPermissionsBoundary } from '../src';

/**
 * For a member account whose application teams create their own roles: the account's guardrail, and a
 * permissions boundary that carries the guardrail rule to every role of the team's part of the app. The team's
 * function grants itself inference the usual way; the boundary makes it guarded.
 */
export class TeamStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const guardrail = new bedrock.CfnGuardrail(this, 'AccountGuardrail', {
      name: 'account-guardrail',
      blockedInputMessaging: 'Sorry, I cannot help with that.',
      blockedOutputsMessaging: 'Sorry, I cannot help with that.',
      contentPolicyConfig: { filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' }] },
    });
    Validations.of(guardrail).acknowledge({
      id: 'BedrockGuardrail::BedrockGuardrail-GuardrailWithoutCustomerManagedKey',
      reason: 'Example of the boundary; the main example stack shows a guardrail with an EncryptedGuardrailKey.',
    } as any);
    const version = new bedrock.CfnGuardrailVersion(this, 'AccountGuardrailVersion', { guardrailIdentifier: guardrail.attrGuardrailId });
    const approved = EnforcedGuardrail.fromGuardrailVersion(version);

    const boundary = new GuardrailPermissionsBoundary(this, 'TeamBoundary', { guardrails: [approved] });
    for (const rule of ['AwsSolutions::AwsSolutions-IAM5[Action::*]', 'AwsSolutions::AwsSolutions-IAM5[Resource::*]']) {
      Validations.of(boundary).acknowledge({
        id: rule,
        reason: 'A permissions boundary for delegated teams permits everything but its Denies; the roles\' own policies grant.',
      } as any);
    }

    // What the team writes: a function that calls a model with the account's guardrail.
    const team = new Construct(this, 'Team');
    const fn = new lambda.Function(team, 'Chat', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CloudWatch Logs permissions of an example function; the AWS managed policy is the documented default.',
    } as any);
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      resources: [`arn:${this.partition}:bedrock:${this.region}::foundation-model/amazon.nova-lite-v1:0`],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [version.attrGuardrailArn] }));
    // Every role and user of the team's scope, now and later, gets the boundary.
    boundary.applyTo(team);
  }
}
