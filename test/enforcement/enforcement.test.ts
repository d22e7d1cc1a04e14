import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AccountGuardrailEnforcement,
  AgentExecutionRole,
  ContentGuarding,
  EnforcedGuardrail,
  GuardrailEnforcedInvokerRole,
  GuardrailResourcePolicy,
  GuardrailVersion,
  InvokableModel,
  OrganizationGuardrailPolicy,
} from '../../src';
import { cdkApp, findingLines, templateFiles } from '../check/harness';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from '../sim/simulate';

const ACCOUNT = '111122223333';
const MEMBER = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const ARN = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/abc123def456`;
const numbered = (arn = ARN, n = 3) => EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(n));
const newStack = (env = { account: ACCOUNT, region: 'us-east-1' }, app = new App()) => new Stack(app, 'S', { env });

describe('AccountGuardrailEnforcement', () => {
  test('writes the configuration: the guardrail ARN, its numbered version, comprehensive guarding, every model', () => {
    const stack = newStack();
    const enforcement = new AccountGuardrailEnforcement(stack, 'Enforcement', { guardrail: numbered() });
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::EnforcedGuardrailConfiguration', {
      GuardrailIdentifier: ARN,
      GuardrailVersion: '3',
      SelectiveContentGuarding: { System: 'COMPREHENSIVE', Messages: 'COMPREHENSIVE' },
      ModelEnforcement: Match.absent(),
    });
    expect(stack.resolve(enforcement.configId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Enforcement/), 'ConfigId'] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('models and excluded models; SELECTIVE warns and says what is left unchecked', () => {
    const stack = newStack();
    new AccountGuardrailEnforcement(stack, 'Enforcement', {
      guardrail: numbered(),
      excludedModels: ['amazon.titan-embed-text-v2:0'],
      messageGuarding: ContentGuarding.SELECTIVE,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::EnforcedGuardrailConfiguration', {
      ModelEnforcement: { IncludedModels: ['ALL'], ExcludedModels: ['amazon.titan-embed-text-v2:0'] },
      SelectiveContentGuarding: { System: 'COMPREHENSIVE', Messages: 'SELECTIVE' },
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SELECTIVE for user messages.*unchecked'));
    expect(warnings).toHaveLength(1);
  });

  test.each([
    ['DRAFT', () => EnforcedGuardrail.fromArn(ARN, GuardrailVersion.DRAFT), /numbered version, not DRAFT.*GuardrailVersion\.numbered/],
    ['ANY', () => EnforcedGuardrail.fromArn(ARN, GuardrailVersion.ANY), /numbered version, not ANY/],
    ['ANY_NUMBERED', () => EnforcedGuardrail.fromArn(ARN, GuardrailVersion.ANY_NUMBERED), /numbered version, not ANY_NUMBERED/],
    ['another account', () => numbered(`arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/abc123def456`), /in account 444455556666, but this stack deploys to 111122223333/],
    ['another Region', () => numbered(`arn:aws:bedrock:eu-west-1:${ACCOUNT}:guardrail/abc123def456`), /in eu-west-1, but this stack deploys to us-east-1.*per Region/],
  ])('refuses a guardrail at %s, with the fix', (_name, guardrail, message) => {
    expect(() => new AccountGuardrailEnforcement(newStack(), 'Enforcement', { guardrail: guardrail() })).toThrow(message);
  });

  test('refuses a model ID that is an ARN or a profile, and an empty model list', () => {
    expect(() => new AccountGuardrailEnforcement(newStack(), 'E', { guardrail: numbered(), models: ['us.anthropic.claude-3-haiku-20240307-v1:0'] }))
      .toThrow(/S\/E: 'us\.anthropic.*' is an inference profile ID/);
    expect(() => new AccountGuardrailEnforcement(newStack(), 'E', { guardrail: numbered(), models: [] })).toThrow(/models is empty/);
  });

  test('refuses a guardrail with an Automated Reasoning policy', () => {
    const stack = newStack();
    const guardrail = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      automatedReasoningPolicyConfig: { policies: [`arn:aws:bedrock:us-east-1:${ACCOUNT}:automated-reasoning-policy/abc`] },
    });
    expect(() => new AccountGuardrailEnforcement(stack, 'E', { guardrail: EnforcedGuardrail.fromGuardrail(guardrail, GuardrailVersion.numbered(1)) }))
      .toThrow(/Automated Reasoning policy, which an enforced guardrail does not support/);
  });

  test('one per account and Region in the app: the error names both constructs', () => {
    const app = new App();
    new AccountGuardrailEnforcement(newStack(undefined, app), 'First', { guardrail: numbered() });
    const other = new Stack(app, 'Other', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new AccountGuardrailEnforcement(other, 'Second', { guardrail: numbered(ARN, 4) })).toThrow(/Other\/Second: S\/First already enforces a guardrail in account 111122223333, us-east-1/);
    // Another Region of the same account is another configuration.
    const eu = new Stack(app, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    expect(() => new AccountGuardrailEnforcement(eu, 'Third', { guardrail: numbered(`arn:aws:bedrock:eu-west-1:${ACCOUNT}:guardrail/abc123def456`) })).not.toThrow();
  });

  test('depends on the guardrail version it enforces, so CloudFormation deletes the enforcement first', () => {
    const stack = newStack();
    const guardrail = new CfnGuardrail(stack, 'G', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
    const version = new CfnGuardrailVersion(stack, 'V', { guardrailIdentifier: guardrail.attrGuardrailId });
    new AccountGuardrailEnforcement(stack, 'E', { guardrail: EnforcedGuardrail.fromGuardrailVersion(version) });
    const template = Template.fromStack(stack).toJSON();
    const [id] = Object.keys(template.Resources).filter(k => template.Resources[k].Type === 'AWS::Bedrock::EnforcedGuardrailConfiguration');
    expect(template.Resources[id].DependsOn).toContain(stack.getLogicalId(version));
    expect(stack.resolve(template.Resources[id].Properties.GuardrailVersion)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(version), 'Version'] });
  });

  test('grantApply gives bedrock:ApplyGuardrail on the guardrail only, and it is allowed in simulation', async () => {
    const stack = newStack();
    const enforcement = new AccountGuardrailEnforcement(stack, 'E', { guardrail: numbered() });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    enforcement.grantApply(role);
    const template = Template.fromStack(stack).toJSON();
    const policy = Object.values(template.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::IAM::Policy')!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: ARN }]);
    const doc = policy.Properties.PolicyDocument;
    expect(await decide([doc], { action: 'bedrock:ApplyGuardrail', resource: ARN })).toBe('Allowed');
    expect(await decide([doc], { action: 'bedrock:UpdateGuardrail', resource: ARN })).toBe('ImplicitlyDenied');
  });
});

describe('GuardrailResourcePolicy', () => {
  const policyOf = (stack: Stack) => {
    const template = Template.fromStack(stack).toJSON();
    const resource = Object.values(template.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::Bedrock::ResourcePolicy')!;
    return resource.Properties;
  };

  test('the organization pattern, as the Bedrock page writes it', () => {
    const stack = newStack();
    new GuardrailResourcePolicy(stack, 'P', { guardrail: numbered() }).allowOrganization(ORG);
    expect(policyOf(stack)).toEqual({
      ResourceArn: ARN,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'AllowOrganization', Effect: 'Allow', Principal: '*', Action: 'bedrock:ApplyGuardrail', Resource: ARN, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }],
      },
    });
  });

  test('same account and organizational units; GetGuardrail on request', () => {
    const stack = newStack();
    new GuardrailResourcePolicy(stack, 'P', { guardrail: numbered(), allowGetGuardrail: true })
      .allowSameAccount()
      .allowOrganizationalUnits(ORG, [`${ORG}/r-ab12/ou-ab12-11111111/`]);
    const statements = policyOf(stack).PolicyDocument.Statement;
    expect(statements[0]).toEqual({
      Sid: 'AllowSameAccount',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } },
      Action: ['bedrock:ApplyGuardrail', 'bedrock:GetGuardrail'],
      Resource: ARN,
    });
    expect(statements[1].Condition).toEqual({ 'StringEquals': { 'aws:PrincipalOrgID': ORG }, 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/`] } });
  });

  test.each([
    ['no statement', (p: GuardrailResourcePolicy) => p, /allows no one/],
    ['a malformed organization ID', (p: GuardrailResourcePolicy) => p.allowOrganization('org-123'), /'org-123' is not an organization ID/],
    ['an OU path of another organization', (p: GuardrailResourcePolicy) => p.allowOrganizationalUnits(ORG, ['o-zzzzzzzzzz/r-ab12/ou-ab12-11111111/']), /not an organizational unit path of o-a1b2c3d4e5/],
    ['an organization-wide wildcard as an OU path (not a supported pattern)', (p: GuardrailResourcePolicy) => p.allowOrganizationalUnits(ORG, [`${ORG}/*`]),
      /not an organizational unit path/],
    ['an empty OU list', (p: GuardrailResourcePolicy) => p.allowOrganizationalUnits(ORG, []), /ouPaths is empty/],
  ])('refuses %s', (_name, build, message) => {
    const stack = newStack();
    expect(() => {
      build(new GuardrailResourcePolicy(stack, 'P', { guardrail: numbered() }));
      Template.fromStack(stack);
    }).toThrow(message);
  });

  test('a guardrail profile gets ApplyGuardrail only, in its own Region', () => {
    const profile = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`;
    expect(() => new GuardrailResourcePolicy(newStack(), 'P', { guardrailProfileArn: profile, allowGetGuardrail: true })).toThrow(/supports only bedrock:ApplyGuardrail/);
    expect(() => new GuardrailResourcePolicy(newStack(), 'P', { guardrailProfileArn: profile.replace('us-east-1', 'us-west-2') }))
      .toThrow(/is in us-west-2, but this stack deploys to us-east-1.*one per Region of a cross-Region profile/);
    expect(() => new GuardrailResourcePolicy(newStack(), 'P', { guardrail: numbered(), guardrailProfileArn: profile })).toThrow(/exactly one/);
  });

  test('simulation: ApplyGuardrail from an organization member is allowed, from another organization or account not; never UpdateGuardrail', async () => {
    const stack = newStack();
    new GuardrailResourcePolicy(stack, 'P', { guardrail: numbered() }).allowOrganization(ORG);
    const resourcePolicy = policyOf(stack).PolicyDocument;
    // The member's own identity policy allows everything; the guardrail's policy decides across accounts.
    const identity = [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];
    const request = (action: string, org?: string) => ({
      action,
      resource: ARN,
      resourceAccount: ACCOUNT,
      principal: `arn:aws:iam::${MEMBER}:role/app`,
      ...(org === undefined ? {} : { context: { 'aws:PrincipalOrgID': org } }),
    });
    expect(await decide(identity, request('bedrock:ApplyGuardrail', ORG), resourcePolicy)).toBe('Allowed');
    expect(await decide(identity, request('bedrock:ApplyGuardrail', 'o-zzzzzzzzzz'), resourcePolicy)).toBe('ImplicitlyDenied');
    expect(await decide(identity, request('bedrock:ApplyGuardrail'), resourcePolicy)).toBe('ImplicitlyDenied');
    expect(await decide(identity, request('bedrock:UpdateGuardrail', ORG), resourcePolicy)).toBe('ImplicitlyDenied');
    expect(await decide(identity, request('bedrock:GetGuardrail', ORG), resourcePolicy)).toBe('ImplicitlyDenied');
  });
});

describe('OrganizationGuardrailPolicy', () => {
  test('the content matches the documented example field for field', () => {
    // The example of https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_bedrock_syntax.html
    const documented = {
      bedrock: {
        guardrail_inference: {
          'us-east-1': {
            config_1: {
              identifier: { '@@assign': 'arn:aws:bedrock:us-east-1:123456789012:guardrail/hu1dlsv9wy1d:1' },
              selective_content_guarding: { system: { '@@assign': 'selective' }, messages: { '@@assign': 'comprehensive' } },
              model_enforcement: { included_models: { '@@assign': ['ALL'] }, excluded_models: { '@@assign': ['amazon.titan-embed-text-v2:0'] } },
            },
          },
        },
      },
    };
    const stack = newStack({ account: '123456789012', region: 'us-east-1' });
    const policy = new OrganizationGuardrailPolicy(stack, 'P', {
      guardrails: [EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:123456789012:guardrail/hu1dlsv9wy1d', GuardrailVersion.numbered(1))],
      targetIds: ['r-ab12'],
      systemPromptGuarding: ContentGuarding.SELECTIVE,
      excludedModels: ['amazon.titan-embed-text-v2:0'],
    });
    expect(policy.content).toEqual(documented);
    Template.fromStack(stack).hasResourceProperties('AWS::Organizations::Policy', { Type: 'BEDROCK_POLICY', Content: documented, TargetIds: ['r-ab12'] });
  });

  test('one configuration per Region; with organizationId, a resource policy for the guardrail of this Region, created first', () => {
    const stack = newStack();
    const policy = new OrganizationGuardrailPolicy(stack, 'P', {
      guardrails: [numbered(), numbered(`arn:aws:bedrock:eu-west-1:${ACCOUNT}:guardrail/xyz987`, 2)],
      targetIds: ['ou-ab12-11111111', MEMBER],
      organizationId: ORG,
    });
    expect(Object.keys(policy.content.bedrock.guardrail_inference)).toEqual(['us-east-1', 'eu-west-1']);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Bedrock::ResourcePolicy', 1);
    template.hasResourceProperties('AWS::Bedrock::ResourcePolicy', { ResourceArn: ARN });
    template.hasResource('AWS::Organizations::Policy', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('ResourcePolicy')]) });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('xyz987 is in eu-west-1: its resource policy must be created there'))).toHaveLength(1);
  });

  test.each([
    ['a malformed target', { targetIds: ['ou-123'] }, /'ou-123' is not a root, organizational unit or account ID/],
    ['no target', { targetIds: [] }, /targetIds is empty/],
    ['a draft guardrail', { guardrails: [EnforcedGuardrail.fromArn(ARN, GuardrailVersion.DRAFT)] }, /numbered version, not DRAFT/],
    ['a member account\'s guardrail', { guardrails: [numbered(`arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/abc123def456`)] }, /owned by the management account/],
    ['two guardrails in one Region', { guardrails: [numbered(), numbered(ARN.replace('abc123def456', 'def456abc123'))] }, /two guardrails for us-east-1/],
    ['a profile ID as a model', { models: ['eu.amazon.nova-lite-v1:0'] }, /is an inference profile ID/],
  ])('refuses %s', (_name, override, message) => {
    expect(() => new OrganizationGuardrailPolicy(newStack(), 'P', { guardrails: [numbered()], targetIds: ['r-ab12'], ...override } as any)).toThrow(message);
  });

  test('a malformed guardrail ARN is refused before it can reach the organization', () => {
    expect(() => EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/My-Guardrail', GuardrailVersion.numbered(1))).toThrow(/guardrail/);
  });

  test('says that the policy type must be enabled, and warns without organizationId', () => {
    const stack = newStack();
    new OrganizationGuardrailPolicy(stack, 'P', { guardrails: [numbered()], targetIds: ['r-ab12'] });
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('BEDROCK_POLICY type must be enabled.*DescribeEffectivePolicy'))).toHaveLength(1);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('No organizationId'))).toHaveLength(1);
  });
});

describe('the checks see enforced guardrails', () => {
  test('the library\'s constructs pass; SELECTIVE guarding is reported (with the construct warning too)', () => {
    const stacks = cdkApp((stack: Stack) => {
      new AccountGuardrailEnforcement(stack, 'E', { guardrail: numbered(), systemPromptGuarding: ContentGuarding.SELECTIVE });
      new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [numbered()], targetIds: ['r-ab12'], organizationId: ORG });
    });
    expect(findingLines(stacks)).toEqual(['warning BedrockGuardrail-SelectiveContentGuarding[System] App/E/Resource']);
  });

  test('a hand-written Bedrock policy: a malformed identifier is an error; no resource policy and selective guarding are warnings', () => {
    const policy = (identifier: string, extra = {}) => JSON.stringify({
      Resources: {
        P: {
          Type: 'AWS::Organizations::Policy',
          Properties: {
            Name: 'p',
            Type: 'BEDROCK_POLICY',
            TargetIds: ['r-ab12'],
            Content: { bedrock: { guardrail_inference: { 'us-east-1': { config_1: { identifier: { '@@assign': identifier }, ...extra } } } } },
          },
        },
      },
    });
    const lines = (text: string) => findingLines(templateFiles({ 'org.json': text }));
    expect(lines(policy(`${ARN}:1`))).toEqual(['warning BedrockGuardrail-BedrockPolicyWithoutResourcePolicy[us-east-1.config_1] org.json/P']);
    for (const bad of [ARN, `${ARN}:DRAFT`, 'abc123def456:1', `${ARN.replace('us-east-1', 'eu-west-1')}:1`]) {
      expect(lines(policy(bad))).toEqual(['error BedrockGuardrail-MalformedBedrockPolicy[us-east-1.config_1] org.json/P']);
    }
    expect(lines(policy(`${ARN}:1`, { selective_content_guarding: { messages: { '@@assign': 'selective' } } }))).toContain(
      'warning BedrockGuardrail-SelectiveContentGuarding[us-east-1.config_1.messages] org.json/P');
  });
});

describe('grantApply on the library\'s roles', () => {
  test('an invoker role and an agent role get ApplyGuardrail on the enforced guardrail; the invoker\'s Deny still holds', async () => {
    const stack = newStack();
    const enforcement = new AccountGuardrailEnforcement(stack, 'E', { guardrail: numbered() });
    const approved = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/app0guardrail1`;
    const invoker = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.AccountRootPrincipal(),
      guardrails: [EnforcedGuardrail.fromArn(approved, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
    });
    const agent = new AgentExecutionRole(stack, 'Agent', { models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')] });
    enforcement.grantApply(invoker);
    enforcement.grantApply(agent);
    const template = Template.fromStack(stack).toJSON();
    for (const role of ['Invoker', 'Agent']) {
      const docs = identityPoliciesOf(template, logicalIdOf(template, 'AWS::IAM::Role', role));
      expect(await decide(docs, { action: 'bedrock:ApplyGuardrail', resource: ARN })).toBe('Allowed');
      if (role === 'Invoker') {
        const model = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
        expect(await decide([...docs, ALLOW_ALL], { action: 'bedrock:InvokeModel', resource: model })).toBe('ExplicitlyDenied');
        expect(await decide([...docs, ALLOW_ALL], { action: 'bedrock:InvokeModel', resource: model, context: { 'bedrock:GuardrailIdentifier': `${ARN}:3` } }))
          .toBe('ExplicitlyDenied');
        expect(await decide(docs, { action: 'bedrock:InvokeModel', resource: model, context: { 'bedrock:GuardrailIdentifier': `${approved}:1` } })).toBe('Allowed');
      }
    }
  });
});

describe('review fixes: what the enforcement constructs no longer let through', () => {
  const withAutomatedReasoning = (stack: Stack) => {
    const guardrail = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      automatedReasoningPolicyConfig: { policies: [`arn:aws:bedrock:us-east-1:${ACCOUNT}:automated-reasoning-policy/abc`] },
    });
    return EnforcedGuardrail.fromGuardrailVersion(new CfnGuardrailVersion(stack, 'V', { guardrailIdentifier: guardrail.attrGuardrailId }));
  };

  test('an Automated Reasoning policy is found through the guardrail version too (account and organization)', () => {
    let stack = newStack();
    expect(() => new AccountGuardrailEnforcement(stack, 'E', { guardrail: withAutomatedReasoning(stack) })).toThrow(/S\/G has an Automated Reasoning policy/);
    stack = newStack();
    expect(() => new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [withAutomatedReasoning(stack)], targetIds: ['r-ab12'] }))
      .toThrow(/S\/G has an Automated Reasoning policy, which organization-level enforcement does not support/);
  });

  test('an imported guardrail whose ARN disagrees with its environment is refused', () => {
    const stack = newStack();
    // An imported reference carries the importing stack's environment.
    const ref = {
      node: stack.node,
      env: { account: ACCOUNT, region: 'us-east-1' },
      guardrailRef: { guardrailArn: `arn:aws:bedrock:eu-west-1:${MEMBER}:guardrail/abc123def456`, guardrailId: 'abc123def456' },
    } as any;
    const guardrail = EnforcedGuardrail.fromGuardrail(ref, GuardrailVersion.numbered(1));
    // The literal ARN is believed over the environment: the organization policy refuses another account's guardrail,
    // and the account enforcement names the disagreement.
    expect(() => new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [guardrail], targetIds: ['r-ab12'] })).toThrow(/in account 444455556666/);
    expect(() => new AccountGuardrailEnforcement(stack, 'E', { guardrail }))
      .toThrow(/names 444455556666\/eu-west-1, but its resource is in 111122223333\/us-east-1/);
  });

  test('a version or ARN not known at synth: an error in an organization policy, a warning for an account', () => {
    let stack = newStack();
    const fromParameter = () => EnforcedGuardrail.fromArn(ARN, GuardrailVersion.fromString(new CfnParameter(stack, 'Version').valueAsString));
    expect(() => new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [fromParameter()], targetIds: ['r-ab12'] })).toThrow(/not known at synth/);
    stack = newStack();
    new AccountGuardrailEnforcement(stack, 'E', { guardrail: fromParameter() });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('version .* is not known at synth'))).toHaveLength(1);
  });

  test('environment-agnostic stacks: two enforcements in one are refused, and the unknown environment is said', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new AccountGuardrailEnforcement(stack, 'First', { guardrail: numbered() });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('account and Region is not known at synth'))).toHaveLength(1);
    expect(() => new AccountGuardrailEnforcement(stack, 'Second', { guardrail: numbered() })).toThrow(/Agnostic\/First already enforces/);
  });

  test('a resource policy in another account, or a guardrail resource of another Region, is refused', () => {
    expect(() => new GuardrailResourcePolicy(newStack(), 'P', { guardrail: numbered(`arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/abc123def456`) }))
      .toThrow(/in account 444455556666, but this stack deploys to 111122223333/);
    const app = new App();
    const eu = new Stack(app, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const guardrail = new CfnGuardrail(eu, 'G', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
    expect(() => new GuardrailResourcePolicy(new Stack(app, 'Us', { env: { account: ACCOUNT, region: 'us-east-1' } }), 'P', { guardrailRef: guardrail }))
      .toThrow(/is in eu-west-1, but this stack deploys to us-east-1/);
  });

  test('an organization policy in a stack without a Region creates no resource policy, and says so; "ALL" is a model value; the organization ID is checked', () => {
    const stack = new Stack(new App(), 'NoRegion', { env: { account: ACCOUNT } });
    new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [numbered()], targetIds: ['r-ab12'], organizationId: ORG, models: ['ALL'] });
    Template.fromStack(stack).resourceCountIs('AWS::Bedrock::ResourcePolicy', 0);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Region is not known at synth, so no guardrail resource policy'))).toHaveLength(1);
    expect(() => new OrganizationGuardrailPolicy(newStack(), 'O', { guardrails: [numbered()], targetIds: ['r-ab12'], organizationId: 'org-1' }))
      .toThrow(/'org-1' is not an organization ID/);
  });
});

describe('review fixes: the Bedrock policy rules', () => {
  const orgPolicy = (content: any) => ({ Type: 'AWS::Organizations::Policy', Properties: { Name: 'p', Type: 'BEDROCK_POLICY', TargetIds: ['r-ab12'], Content: content } });
  const config = (identifier: any) => ({ bedrock: { guardrail_inference: { 'us-east-1': { config_1: { identifier: { '@@assign': identifier } } } } } });
  const lines = (resources: any) => findingLines(templateFiles({ 'org.json': JSON.stringify({ Resources: resources }) }));

  test('inheritance operators are not configurations; DRAFT behind Fn::Sub is malformed', () => {
    const content = config(`${ARN}:1`);
    (content.bedrock.guardrail_inference as any)['@@operators_allowed_for_child_policies'] = ['@@none'];
    (content.bedrock.guardrail_inference['us-east-1'] as any)['@@operators_allowed_for_child_policies'] = ['@@none'];
    expect(lines({ P: orgPolicy(content) })).toEqual(['warning BedrockGuardrail-BedrockPolicyWithoutResourcePolicy[us-east-1.config_1] org.json/P']);
    expect(lines({ P: orgPolicy(config({ 'Fn::Sub': '${G}:DRAFT' })) })).toEqual(['error BedrockGuardrail-MalformedBedrockPolicy[us-east-1.config_1] org.json/P']);
  });

  test('the README pairing (policy on the guardrail, enforcement through its version) is matched; another stack\'s guardrail of the same ID is not', () => {
    // The library's own pairing, synthesized: no finding.
    const stacks = cdkApp((stack: Stack) => {
      const guardrail = new CfnGuardrail(stack, 'G', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
      const version = new CfnGuardrailVersion(stack, 'V', { guardrailIdentifier: guardrail.attrGuardrailId });
      new GuardrailResourcePolicy(stack, 'RP', { guardrailRef: guardrail }).allowOrganization(ORG);
      new OrganizationGuardrailPolicy(stack, 'O', { guardrails: [EnforcedGuardrail.fromGuardrailVersion(version)], targetIds: ['r-ab12'] });
    });
    expect(findingLines(stacks).filter((l: string) => l.includes('BedrockPolicyWithoutResourcePolicy'))).toEqual([]);
    // A resource policy on a guardrail of the same logical ID in another stack does not count.
    const two = cdkApp((stack: Stack, app: App) => {
      const other = new Stack(app, 'B', { env: { account: ACCOUNT, region: 'us-east-1' } });
      const a = new CfnGuardrail(stack, 'G', { name: 'a', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
      const b = new CfnGuardrail(other, 'G', { name: 'b', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
      new GuardrailResourcePolicy(stack, 'RP', { guardrailRef: a }).allowOrganization(ORG);
      const version = new CfnGuardrailVersion(other, 'V', { guardrailIdentifier: b.attrGuardrailId });
      new OrganizationGuardrailPolicy(other, 'O', { guardrails: [EnforcedGuardrail.fromGuardrailVersion(version)], targetIds: ['r-ab12'] });
    });
    expect(findingLines(two).filter((l: string) => l.includes('BedrockPolicyWithoutResourcePolicy'))).toEqual(['warning BedrockGuardrail-BedrockPolicyWithoutResourcePolicy[us-east-1.config_1] B/O/Resource']);
  });

  test('a resource policy that excludes the organization (StringNotEquals) does not count', () => {
    const rp = (operator: string) => ({
      Type: 'AWS::Bedrock::ResourcePolicy',
      Properties: {
        ResourceArn: ARN,
        PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'bedrock:ApplyGuardrail', Resource: ARN, Condition: { [operator]: { 'aws:PrincipalOrgID': ORG } } }] },
      },
    });
    expect(lines({ P: orgPolicy(config(`${ARN}:1`)), RP: rp('StringEquals') })).toEqual([]);
    expect(lines({ P: orgPolicy(config(`${ARN}:1`)), RP: rp('StringNotEquals') })).toEqual(['warning BedrockGuardrail-BedrockPolicyWithoutResourcePolicy[us-east-1.config_1] org.json/P']);
  });
});
