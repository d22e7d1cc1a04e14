import { App, Aspects, CfnParameter, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ACCOUNT, G1, G2, HAIKU, newStack, OTHER_ACCOUNT, REGION, guardrailArn, synthInvoker } from './fixtures';
import { EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailProfile, GuardrailVersion, InferencePath, InvokableModel } from '../../src';

describe('GuardrailVersion', () => {
  test.each([0, -1, 1.5, 100000000, NaN])('numbered(%p) is refused with the valid range', version => {
    expect(() => GuardrailVersion.numbered(version)).toThrow(/GuardrailVersion.numbered: .* is not a guardrail version. Fix: use a whole number from 1 to 99999999/);
  });

  test('numbered accepts 1 and 99999999', () => {
    expect(GuardrailVersion.numbered(1).version).toBe('1');
    expect(GuardrailVersion.numbered(99999999).version).toBe('99999999');
  });

  test('lower-case "draft" is refused with the exact spelling', () => {
    expect(() => GuardrailVersion.fromString('draft')).toThrow(/'draft' is not a guardrail version. Fix: versions are case-sensitive: write 'DRAFT'/);
  });

  test.each(['0', '01', '100000000', '1.0', 'latest', '', ' 1'])('fromString(%p) is refused', version => {
    expect(() => GuardrailVersion.fromString(version)).toThrow(/GuardrailVersion.fromString: .* is not a guardrail version/);
  });

  test('fromString accepts DRAFT, numbers and tokens', () => {
    expect(GuardrailVersion.fromString('DRAFT')).toBe(GuardrailVersion.DRAFT);
    expect(GuardrailVersion.fromString('42').isNumbered).toBe(true);
    const stack = newStack();
    const g = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    expect(GuardrailVersion.fromString(g.attrVersion).isNumbered).toBe(true);
  });
});

describe('EnforcedGuardrail', () => {
  test.each([
    ['a name-style ID with capitals and hyphens', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/G-HR-Compliance', /the ID 'G-HR-Compliance' is not a guardrail ID \(lowercase letters and digits only; an ARN holds the guardrail's ID, never its name\)/],
    ['a capital letter', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/Abc123', /the ID 'Abc123' has capital letters; guardrail IDs are lowercase letters and digits/],
    ['a hyphen', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc-123', /the ID 'abc-123' is not a guardrail ID/],
    ['a version suffix', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123:1', /it ends with a version \(':1'\), which belongs in GuardrailVersion/],
    ['a prefix wildcard', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123*', /it holds a wildcard \(\* or \?\)/],
    ['a single-character wildcard', 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc12?', /it holds a wildcard \(\* or \?\)/],
    ['the service in the wrong field (seed 002)', 'arn:aws::bedrock:us-east-1:111122223333:guardrail/abc123', /the service is '', not 'bedrock'/],
    ['another service', 'arn:aws:sagemaker:us-east-1:111122223333:guardrail/abc123', /the service is 'sagemaker', not 'bedrock'/],
    ['a bare ID', 'abc123', /it is a bare guardrail ID; IAM compares bedrock:GuardrailIdentifier with the ARN, so pass the ARN/],
    ['a name', 'G-HR-Compliance', /it does not start with 'arn:'/],
    ['the plural resource type', 'arn:aws:bedrock:us-east-1:111122223333:guardrails/abc123', /the resource type is 'guardrails\/'; the ARN says 'guardrail\/' \(singular\)/],
    ['a guardrail-profile ARN', 'arn:aws:bedrock:us-east-1:111122223333:guardrail-profile/us.guardrail.v1:0', /it is a guardrail-profile ARN; pass the guardrail's ARN, and the profile as guardrailProfile/],
    ['another resource type', 'arn:aws:bedrock:us-east-1:111122223333:agent/abc123', /the resource type is 'agent\/', not 'guardrail\/'/],
    ['a wildcard account', 'arn:aws:bedrock:*:*:guardrail/abc123', /it holds a wildcard/],
    ['no Region', 'arn:aws:bedrock::111122223333:guardrail/abc123', /the Region '' is not a Region name/],
    ['a Region that is not one', 'arn:aws:bedrock:useast1:111122223333:guardrail/abc123', /the Region 'useast1' is not a Region name/],
    ['a short account', 'arn:aws:bedrock:us-east-1:11112222333:guardrail/abc123', /the account '11112222333' is not a 12-digit account ID/],
    ['too few parts', 'arn:aws:bedrock:us-east-1', /it has fewer than six colon-separated parts/],
  ])('fromArn refuses %s and says which part is wrong', (_label, arn, reason) => {
    expect(() => EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(1)))
      .toThrow(/EnforcedGuardrail.fromArn: .* is not a guardrail ARN: .*Fix: pass the full ARN of one guardrail, for example 'arn:aws:bedrock:us-east-1:111122223333:guardrail\/abc123def456'/);
    expect(() => EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(1))).toThrow(reason);
  });

  test.each([
    ['a wildcard ID', (s: Stack) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:guardrail/*`, /its literal parts hold a wildcard/],
    ['a prefix wildcard after the ID', (s: Stack) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:guardrail/abc*`, /its literal parts hold a wildcard/],
    ['a single-character wildcard', (s: Stack) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:guardrail/ab?`, /its literal parts hold a wildcard/],
    ['a wildcard Region', (s: Stack) => `arn:${s.partition}:bedrock:*:${s.account}:guardrail/abc123`, /its literal parts hold a wildcard/],
    ['another service', (s: Stack) => `arn:${s.partition}:s3:${s.region}:${s.account}:guardrail/abc123`, /the service is 's3', not 'bedrock'/],
    ['the plural resource type', (s: Stack) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:guardrails/abc123`, /the resource type is 'guardrails\/'/],
    ['a version suffix', (s: Stack) => `arn:${s.partition}:bedrock:${s.region}:${s.account}:guardrail/abc123:1`, /it ends with a version/],
  ])('fromArn refuses an ARN built with tokens with %s', (_label, build, reason) => {
    expect(() => EnforcedGuardrail.fromArn(build(newStack()), GuardrailVersion.numbered(1))).toThrow(reason);
  });

  test.each([
    ['Fn.sub', () => Fn.sub('arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:guardrail/*')],
    ['Fn.join', (s: Stack) => Fn.join('', ['arn:', s.partition, ':bedrock:', s.region, ':', s.account, ':guardrail/abc*'])],
    ['a Lazy value', () => Lazy.string({ produce: () => 'arn:aws:bedrock:us-east-1:111122223333:guardrail/?bc123' })],
  ])('a wildcard in an ARN built with %s (one opaque token) is refused when a construct uses it', (_label, build) => {
    const stack = newStack();
    const guardrail = EnforcedGuardrail.fromArn(build(stack), GuardrailVersion.ANY);
    expect(() => new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail], models: [InvokableModel.foundationModel(HAIKU)],
    })).toThrow(/Test\/Invoker: the guardrail ARN .* holds a wildcard \(\* or \?\) in its literal parts.*Fix:/);
  });

  test('a version after a token ARN is refused, at the factory or when a construct uses it', () => {
    const stack = newStack();
    const g = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    expect(() => EnforcedGuardrail.fromArn(`${g.attrGuardrailArn}:1`, GuardrailVersion.numbered(1))).toThrow(/it ends with a version/);
    const joined = EnforcedGuardrail.fromArn(Fn.join(':', [g.attrGuardrailArn, '1']), GuardrailVersion.numbered(1));
    expect(() => new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [joined], models: [InvokableModel.foundationModel(HAIKU)],
    })).toThrow(/Test\/Invoker: the guardrail ARN ends with a version \(':1'\)/);
  });

  test.each([
    ['a parameter', (s: Stack) => new CfnParameter(s, 'GuardrailArn').valueAsString],
    ['an import', () => Fn.importValue('shared-guardrail-arn')],
  ])('an ARN from %s is accepted with a warning that it cannot be checked', (_label, build) => {
    const stack = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromArn(build(stack), GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp('A guardrail ARN comes from a CloudFormation parameter or an import'));
  });

  test('fromArn accepts an ARN built with tokens, and a wholly unresolved ARN', () => {
    const stack = newStack();
    expect(() => EnforcedGuardrail.fromArn(`arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:guardrail/abc123`, GuardrailVersion.numbered(1))).not.toThrow();
    const g = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    expect(() => EnforcedGuardrail.fromArn(g.attrGuardrailArn, GuardrailVersion.numbered(1))).not.toThrow();
    expect(() => EnforcedGuardrail.fromArn(`arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:guardrail/${g.attrGuardrailId}`, GuardrailVersion.numbered(1))).not.toThrow();
  });

  test('a guardrail in another Region than the stack gets a warning that says what Bedrock does with it', () => {
    const { stack } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(guardrailArn('abc123', 'us-west-2'), GuardrailVersion.numbered(1))] });
    Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp(
      'The guardrail arn:aws:bedrock:us-west-2:111122223333:guardrail/abc123 is in us-west-2, but this stack deploys to us-east-1.*requests from this Region that name it fail.*Fix: create the guardrail'));
  });

  test.each([
    ['DRAFT', GuardrailVersion.DRAFT, true],
    ['ANY', GuardrailVersion.ANY, true],
    ['ANY_NUMBERED', GuardrailVersion.ANY_NUMBERED, false],
    ['numbered(3)', GuardrailVersion.numbered(3), false],
  ])('an approved guardrail at %s %s a warning that its content can change without a new version', (_label, version, warned) => {
    const { stack } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, version)] });
    const found = Annotations.fromStack(stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('which admits its DRAFT: whoever may call bedrock:UpdateGuardrail on it changes what requests are checked against.*Fix: approve a numbered version'));
    expect(found).toHaveLength(warned ? 1 : 0);
  });

  test('fromArn accepts other partitions', () => {
    expect(EnforcedGuardrail.fromArn('arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:guardrail/abc123', GuardrailVersion.DRAFT).guardrailArn)
      .toContain('aws-us-gov');
    for (const arn of ['arn:aws-eusc:bedrock:eusc-de-east-1:111122223333:guardrail/abc123', 'arn:aws-cn:bedrock:cn-north-1:111122223333:guardrail/abc123']) {
      expect(EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(1)).guardrailArn).toBe(arn);
    }
  });

  test('a guardrail in another account is refused, naming the construct and both accounts', () => {
    expect(() => synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(guardrailArn('abc123', REGION, OTHER_ACCOUNT), GuardrailVersion.numbered(1))] }))
      .toThrow(new RegExp(`Test/Invoker: the guardrail .* is in account ${OTHER_ACCOUNT}, but this stack deploys to account ${ACCOUNT}.*Fix:`));
  });

  test('a guardrail whose account cannot be checked at synth gets a warning', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    Annotations.fromStack(stack).hasWarning('/Agnostic/Invoker', Match.stringLikeRegexp('Cannot check at synth that the guardrail in account 111122223333'));
  });

  test('a guardrail resource of the same env-agnostic stack gets no warning', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const g = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT), EnforcedGuardrail.fromGuardrailVersion(new CfnGuardrailVersion(stack, 'V', { guardrailIdentifier: g.attrGuardrailId }))],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    // Only the warning that the DRAFT can change (tested above); nothing about the account.
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => w.entry.data)).toEqual([
      expect.stringMatching(/is approved at version DRAFT, which admits its DRAFT/),
    ]);
  });

  test('a guardrail in the same account gets no warning', () => {
    const { stack } = synthInvoker();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toHaveLength(0);
  });

  test('a CfnGuardrail with crossRegionConfig needs the guardrail profile', () => {
    const stack = newStack();
    const g = new CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      crossRegionConfig: { guardrailProfileArn: `arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0` },
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    expect(() => EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT)).toThrow(/Test\/G: the guardrail has crossRegionConfig.*Fix: pass guardrailProfile/);
    expect(() => EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT, {
      guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-1', 'us-east-2', 'us-west-2']),
    })).not.toThrow();
  });
});

describe('GuardrailProfile', () => {
  test.each(['us-guardrail', 'US.guardrail.v1:0', 'arn:aws:bedrock:us-east-1:111122223333:guardrail-profile/us.guardrail.v1:0'])('refuses the profile ID %p', id => {
    expect(() => GuardrailProfile.fromProfileId(id, ['us-east-1'])).toThrow(/GuardrailProfile.fromProfileId: .* is not a guardrail profile ID/);
  });

  test('refuses an empty or malformed destination list', () => {
    expect(() => GuardrailProfile.fromProfileId('us.guardrail.v1:0', [])).toThrow(/destinationRegions is empty/);
    expect(() => GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east'])).toThrow(/'us-east' in destinationRegions is not an AWS Region name/);
  });
});

describe('InvokableModel', () => {
  test.each([
    ['an ARN', `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`, /is an ARN. Fix: pass the model ID alone/],
    ['a profile ID', `us.${HAIKU}`, /is an inference profile ID, not a model ID. Fix: use InvokableModel.crossRegionInferenceProfile/],
    ['a global profile ID', `global.${HAIKU}`, /Fix: use InvokableModel.globalInferenceProfile/],
    ['no provider', 'claude-3-haiku', /is not a foundation model ID/],
    ['a space', 'anthropic.claude 3', /is not a foundation model ID/],
    ['a wildcard', 'anthropic.*', /is not a foundation model ID/],
  ])('foundationModel refuses %s', (_label, id, message) => {
    expect(() => InvokableModel.foundationModel(id)).toThrow(message);
  });

  test.each([
    ['a model ID', HAIKU],
    ['an unknown geography', `xx.${HAIKU}`],
    ['a trailing dot', 'us.anthropic.'],
  ])('crossRegionInferenceProfile refuses %s', (_label, id) => {
    expect(() => InvokableModel.crossRegionInferenceProfile(id, ['us-east-1'])).toThrow(/InvokableModel.crossRegionInferenceProfile: .* is not an inference profile ID/);
  });

  test('crossRegionInferenceProfile needs destination Regions', () => {
    expect(() => InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, [])).toThrow(/destinationRegions is empty. Fix: list every Region the profile can route to/);
    expect(() => InvokableModel.crossRegionInferenceProfile(`global.${HAIKU}`, ['us-east-1'])).toThrow(/is a global profile. Fix: use InvokableModel.globalInferenceProfile/);
    expect(() => InvokableModel.globalInferenceProfile(`us.${HAIKU}`)).toThrow(/is a geographic profile, not a global one/);
  });

  test.each([
    ['provisionedModel', (a: string) => InvokableModel.provisionedModel(a), 'arn:aws:bedrock:us-east-1:111122223333:custom-model/abc'],
    ['importedModel', (a: string) => InvokableModel.importedModel(a), 'arn:aws:bedrock:us-east-1::imported-model/abc'],
    ['customModel', (a: string) => InvokableModel.customModel(a), 'arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc'],
    ['fromApplicationInferenceProfileArn', (a: string) => InvokableModel.fromApplicationInferenceProfileArn(a, InvokableModel.foundationModel(HAIKU)), 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/abc'],
  ])('%s refuses an ARN of another type', (name, factory, arn) => {
    expect(() => factory(arn)).toThrow(new RegExp(`InvokableModel.${name}: .* is not a .* ARN`));
  });

  test('an application inference profile must be copied from a model or system profile', () => {
    const app = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123';
    // The deprecated alias of fromApplicationInferenceProfileArn still works.
    expect(() => InvokableModel.applicationInferenceProfile(app, InvokableModel.provisionedModel('arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc')))
      .toThrow(/is copied from a foundation model or a system inference profile/);
  });
});

describe('GuardrailEnforcedInvokerRole', () => {
  test('an empty guardrails list is refused, naming the construct', () => {
    expect(() => synthInvoker({ guardrails: [] })).toThrow(/Test\/Invoker: guardrails is empty, so no request could ever be allowed. Fix:/);
  });

  test('an empty models list is refused, naming the construct', () => {
    expect(() => synthInvoker({ models: [] })).toThrow(/Test\/Invoker: models is empty.*Fix:/);
  });

  test('addModel after synthesis is refused rather than silently ignored', () => {
    const { role } = synthInvoker();
    expect(() => role.addModel(InvokableModel.foundationModel(HAIKU))).toThrow(/addModel\(\) was called after the policy was synthesized/);
  });

  test('an aspect may add a guardrail while visiting the role; while visiting a later construct it gets the fix', () => {
    const approveG2 = (visit: (node: IConstruct) => boolean) => {
      const stack = newStack();
      const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
        models: [InvokableModel.foundationModel(HAIKU)],
      });
      new iam.Role(stack, 'Later', { assumedBy: new iam.AccountRootPrincipal() });
      const g2 = EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(2));
      Aspects.of(stack.node.root).add({ visit: node => { if (visit(node)) role.addGuardrail(g2); } });
      return () => Template.fromStack(stack).toJSON();
    };
    const template = approveG2(node => node instanceof GuardrailEnforcedInvokerRole)();
    expect(JSON.stringify(template)).toContain(`${G2}:2`);
    expect(approveG2(node => node.node.id === 'Later'))
      .toThrow(/Test\/Invoker: addGuardrail\(\) was called after the policy was synthesized.*Fix: .*from an aspect, call it while visiting this construct itself/);
  });

  test('the enforcement inline policy name is reserved', () => {
    const stack = newStack();
    expect(() => new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { GuardrailEnforcement: new iam.PolicyDocument() },
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
    })).toThrow(/Test\/Invoker: inlinePolicies has a policy named 'GuardrailEnforcement'/);
  });

  test.each([
    ['bedrock:InvokeAgent', ['bedrock:InvokeAgent']],
    ['bedrock:RetrieveAndGenerate', ['bedrock:RetrieveAndGenerate']],
    ['bedrock:*', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate']],
    ['*', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate']],
  ])('adding %s warns that the enforcement denies it (its inference path is denied by default)', (action, named) => {
    const { stack } = synthInvoker({}, role => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: ['*'] }));
    });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('on a principal with guardrail enforcement'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain(`allows ${named.join(' and ')} on a principal with guardrail enforcement. ${named.join(' and ')} ${named.length > 1 ? 'are' : 'is'} denied by the enforcement`);
    expect(warnings[0].entry.data).not.toContain('documented limitation');
  });

  test.each([
    ['bedrock:InvokeAgent', ['bedrock:InvokeAgent']],
    ['bedrock:*', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate']],
  ])('adding %s with the agent and knowledge-base paths allowed warns about the documented limitation', (action, named) => {
    const stack = newStack();
    const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      allowUnguardedPaths: [InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION],
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: ['*'] }));
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('on a principal with guardrail enforcement'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain('documented limitation');
    expect(warnings[0].entry.data).toContain(`allows ${named.join(' and ')} on a principal with guardrail enforcement. ${named.join(' and ')} call`);
    expect(warnings[0].entry.data).not.toContain('denied by the enforcement');
  });

  test('AmazonBedrockFullAccess and inline policies are checked too; unrelated grants are not flagged', () => {
    const { stack } = synthInvoker({}, role => {
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    });
    expect(Annotations.fromStack(stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('The AWS managed policy AmazonBedrockFullAccess allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate'))).toHaveLength(1);
    const clean = synthInvoker({}, role => role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: ['*'] })));
    expect(Annotations.fromStack(clean.stack).findWarning('*', Match.anyValue())).toHaveLength(0);
  });

  test.each([
    ['an L1 CfnPolicy', (stack: Stack, role: GuardrailEnforcedInvokerRole) => new iam.CfnPolicy(stack, 'L1', {
      policyName: 'agents',
      roles: [role.roleName],
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeAgent', Resource: '*' }] },
    }), 'The policy Test/L1 allows bedrock:InvokeAgent'],
    ['a ManagedPolicy({ roles })', (stack: Stack, role: GuardrailEnforcedInvokerRole) => new iam.ManagedPolicy(stack, 'Managed', {
      roles: [role], statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] })],
    }), 'The managed policy Test/Managed allows bedrock:InvokeAgent'],
    ['a CfnRolePolicy naming the role by its literal name', (stack: Stack) => new iam.CfnRolePolicy(stack, 'ByName', {
      policyName: 'agents',
      roleName: 'invoker-role',
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeAgent', Resource: '*' }] },
    }), 'The policy Test/ByName allows bedrock:InvokeAgent'],
  ])('InvokeAgent granted through %s warns', (_label, attach, message) => {
    const stack = newStack();
    const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      roleName: 'invoker-role',
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    attach(stack, role);
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp(message));
  });

  test('InvokeAgent granted by one of the role\'s own inline policies warns, naming it; the others and the enforcement do not', () => {
    const stack = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        Agents: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] })] }),
        Storage: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })] }),
      },
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      allowUnguardedPaths: [InferencePath.AGENTS],
    });
    Template.fromStack(stack);
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('on a principal with guardrail enforcement'));
    expect(warnings.map(w => String(w.entry.data).split('.')[0])).toEqual(['The inline policy \'Agents\' allows bedrock:InvokeAgent on a principal with guardrail enforcement']);
  });

  test('a customer managed policy with InvokeAgent given in props warns', () => {
    const stack = newStack();
    const mp = new iam.ManagedPolicy(stack, 'Agents', { statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] })] });
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [mp],
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp('The managed policy Test/Agents allows bedrock:InvokeAgent'));
  });
});
