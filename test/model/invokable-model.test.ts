import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CfnApplicationInferenceProfile } from 'aws-cdk-lib/aws-bedrock';
import { Construct } from 'constructs';
import { InvokableModel, InvokableModelKind } from '../../src/model/invokable-model';

/**
 * What each kind of model grants, exactly: the ARNs a principal may invoke, the foundation models it reaches only
 * through a profile (`bedrock:InferenceProfileArn`), and the profiles it may read. Every Allow of the invoker,
 * agent and flow roles is built from these, so a widened list is a widened grant. And each factory's refusal, word
 * for word.
 */
const ACCOUNT = '111122223333';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

function newStack(region = 'us-east-1'): Stack {
  return new Stack(new App(), 'S', { env: { account: ACCOUNT, region } });
}

/** The model's grant in a stack of us-east-1, resolved, with the partition written as `aws`. */
function grant(model: InvokableModel, stack = newStack()) {
  const resolved = JSON.parse(JSON.stringify(stack.resolve(model._bind(stack))).replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}/g, '"arn:aws$1"'));
  return resolved;
}
const fm = (id: string, region = 'us-east-1') => `arn:aws:bedrock:${region}::foundation-model/${id}`;

describe('grants, kind by kind', () => {
  test('a foundation model: itself, directly', () => {
    expect(grant(InvokableModel.foundationModel(HAIKU))).toEqual({ kind: 'FOUNDATION_MODEL', invokeArns: [fm(HAIKU)], routes: [], profileArns: [] });
  });

  test('every foundation model: foundation-model/* in the stack\'s Region', () => {
    const all = InvokableModel.allFoundationModels();
    expect(all.name).toBe('*');
    expect(grant(all)).toEqual({ kind: 'ALL_FOUNDATION_MODELS', invokeArns: [fm('*')], routes: [], profileArns: [] });
  });

  test('a cross-Region profile: the profile, and the model in the source and every destination Region only through it', () => {
    const profileArn = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.${HAIKU}`;
    expect(grant(InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-east-1', 'us-west-2', 'us-west-2']))).toEqual({
      kind: 'CROSS_REGION_INFERENCE_PROFILE',
      invokeArns: [profileArn],
      routes: [{ profileArn, modelArns: [fm(HAIKU), fm(HAIKU, 'us-west-2')] }],
      profileArns: [profileArn],
    });
  });

  test('a global profile: the profile, and the model in the source Region and with no Region, only through it', () => {
    const profileArn = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/global.${HAIKU}`;
    expect(grant(InvokableModel.globalInferenceProfile(`global.${HAIKU}`))).toEqual({
      kind: 'GLOBAL_INFERENCE_PROFILE',
      invokeArns: [profileArn],
      routes: [{ profileArn, modelArns: [fm(HAIKU), fm(HAIKU, '')] }],
      profileArns: [profileArn],
    });
  });

  const appArn = (region = 'eu-west-1') => `arn:aws:bedrock:${region}:${ACCOUNT}:application-inference-profile/abc123`;

  test('an application profile: the profile, and what it was copied from in the profile\'s Region, only through it', () => {
    for (const model of [
      InvokableModel.fromApplicationInferenceProfileArn(appArn(), InvokableModel.foundationModel(HAIKU)),
      InvokableModel.applicationInferenceProfile(appArn(), InvokableModel.foundationModel(HAIKU)),
    ]) {
      expect(model.kind).toBe(InvokableModelKind.APPLICATION_INFERENCE_PROFILE);
      expect(grant(model)).toEqual({
        kind: 'APPLICATION_INFERENCE_PROFILE', invokeArns: [appArn()], routes: [{ profileArn: appArn(), modelArns: [fm(HAIKU, 'eu-west-1')] }], profileArns: [appArn()],
      });
    }
    const copiedFromProfile = InvokableModel.fromApplicationInferenceProfileArn(appArn('us-east-1'), InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-west-2']));
    expect(grant(copiedFromProfile).routes).toEqual([{ profileArn: appArn('us-east-1'), modelArns: [fm(HAIKU), fm(HAIKU, 'us-west-2')] }]);
  });

  test('an application profile resource: its ARN attribute, or an ARN built from its ID and environment', () => {
    const stack = newStack();
    const cfn = new CfnApplicationInferenceProfile(stack, 'P', { inferenceProfileName: 'p', modelSource: { copyFrom: fm(HAIKU) } });
    const fromCfn = grant(InvokableModel.fromApplicationInferenceProfile(cfn, InvokableModel.foundationModel(HAIKU)), stack);
    expect(fromCfn.invokeArns).toEqual([{ 'Fn::GetAtt': ['P', 'InferenceProfileArn'] }]);
    expect(fromCfn.routes[0].modelArns).toEqual([fm(HAIKU)]);

    const ref = (identifier: string, region = 'eu-west-1') => Object.assign(new Construct(stack, `R${stack.node.children.length}`), {
      env: { account: ACCOUNT, region }, applicationInferenceProfileRef: { inferenceProfileIdentifier: identifier, inferenceProfileArn: identifier },
    });
    const byId = grant(InvokableModel.fromApplicationInferenceProfile(ref('abc123'), InvokableModel.foundationModel(HAIKU)), stack);
    expect(byId).toEqual({
      kind: 'APPLICATION_INFERENCE_PROFILE', invokeArns: [appArn()], routes: [{ profileArn: appArn(), modelArns: [fm(HAIKU, 'eu-west-1')] }], profileArns: [appArn()],
    });
    const byArn = grant(InvokableModel.fromApplicationInferenceProfile(ref(appArn('us-west-2')), InvokableModel.foundationModel(HAIKU)), stack);
    expect(byArn.routes).toEqual([{ profileArn: appArn('us-west-2'), modelArns: [fm(HAIKU, 'us-west-2')] }]);
    // An identifier that is a token: the reference's Region, when known, else the stack's.
    const token = new CfnParameter(stack, 'Id').valueAsString;
    expect(grant(InvokableModel.fromApplicationInferenceProfile(ref(token, 'ap-south-1'), InvokableModel.foundationModel(HAIKU)), stack).routes[0].modelArns)
      .toEqual([fm(HAIKU, 'ap-south-1')]);
    const inStackRegion = InvokableModel.fromApplicationInferenceProfile(ref(token, stack.region), InvokableModel.foundationModel(HAIKU));
    expect(grant(inStackRegion, stack).routes[0].modelArns)
      .toEqual([fm(HAIKU)]);
    expect(grant(InvokableModel.fromApplicationInferenceProfileArn(token, InvokableModel.foundationModel(HAIKU)), stack).routes[0].modelArns)
      .toEqual([fm(HAIKU)]);
  });

  test.each([
    ['provisioned', () => InvokableModel.provisionedModel(`arn:aws:bedrock:us-east-1:${ACCOUNT}:provisioned-model/abc123`), 'PROVISIONED_MODEL', `arn:aws:bedrock:us-east-1:${ACCOUNT}:provisioned-model/abc123`],
    ['imported', () => InvokableModel.importedModel(`arn:aws:bedrock:us-east-1:${ACCOUNT}:imported-model/abc123`), 'IMPORTED_MODEL', `arn:aws:bedrock:us-east-1:${ACCOUNT}:imported-model/abc123`],
    ['custom model deployment', () => InvokableModel.customModel(`arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model-deployment/abc123`), 'CUSTOM_MODEL',
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model-deployment/abc123`],
  ])('a %s model: itself, directly, and no profile', (_label, make, kind, arn) => {
    const stack = newStack();
    expect(grant(make(), stack)).toEqual({ kind, invokeArns: [arn], routes: [], profileArns: [] });
    expect(make().name).toBe(arn);
    expect(make().toString()).toBe(`${kind}(${arn})`);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('a custom model by its model ARN: itself, with a warning that InvokeModel may not authorize it', () => {
    const arn = `arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model/amazon.titan-text-express-v1:0:8k/abc123`;
    const stack = newStack();
    const scope = new Construct(stack, 'R');
    expect(stack.resolve(InvokableModel.customModel(arn)._bind(scope))).toEqual({ kind: 'CUSTOM_MODEL', invokeArns: [arn], routes: [], profileArns: [] });
    expect(Annotations.fromStack(stack).findWarning('/S/R', Match.anyValue()).map(w => w.entry.data)).toEqual([
      `bedrock:InvokeModel has no custom-model resource type in the Service Authorization Reference, so the grant on ${arn} may allow nothing. `
      + 'Fix: pass the custom model deployment ARN (custom-model-deployment/ID) to InvokableModel.customModel, or the Provisioned Throughput ARN to InvokableModel.provisionedModel. '
      + '[ack: cdk-bedrock-guardrail-iam:customModelArnNotInvokable]',
    ]);
  });

  test('a custom model ARN that is a token is taken for a deployment', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Arn').valueAsString;
    expect(grant(InvokableModel.customModel(token), stack)).toEqual({ kind: 'CUSTOM_MODEL', invokeArns: [{ Ref: 'Arn' }], routes: [], profileArns: [] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('refusals, word for word', () => {
  const fix = (factory: string, arn: string, type: string, example: string) =>
    `InvokableModel.${factory}: '${arn}' is not a ${type} ARN. Fix: pass the full ARN, for example '${example}'.`;
  const example = (type: string) => `arn:aws:bedrock:us-east-1:111122223333:${type}/abcd1234efgh`;

  test.each([
    ['provisionedModel', 'provisioned-model', (a: string) => InvokableModel.provisionedModel(a)],
    ['importedModel', 'imported-model', (a: string) => InvokableModel.importedModel(a)],
    ['fromApplicationInferenceProfileArn', 'application-inference-profile', (a: string) => InvokableModel.fromApplicationInferenceProfileArn(a, InvokableModel.foundationModel(HAIKU))],
  ])('%s: another type, a capital in the ID, another service; the ID alphabet is lowercase letters and digits', (factory, type, make) => {
    for (const bad of [
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model-deployment/abc123`,
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:${type}/Abc123`,
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:${type}/abc-123`,
      `arn:aws:sagemaker:us-east-1:${ACCOUNT}:${type}/abc123`,
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:${type}/`,
    ]) {
      expect(() => make(bad)).toThrow(fix(factory, bad, type, example(type)));
    }
    for (const id of ['a', 'z', '0', '9', 'abc123']) expect(() => make(`arn:aws:bedrock:us-east-1:${ACCOUNT}:${type}/${id}`)).not.toThrow();
  });

  test('customModel: a deployment ID is lowercase letters and digits; a custom model ID may hold a base model name', () => {
    const deployment = (id: string) => `arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model-deployment/${id}`;
    for (const id of ['Abc', 'a-b', '']) {
      expect(() => InvokableModel.customModel(deployment(id))).toThrow(fix('customModel', deployment(id), 'custom-model-deployment', example('custom-model-deployment')));
    }
    const model = (id: string) => `arn:aws:bedrock:us-east-1:${ACCOUNT}:custom-model/${id}`;
    for (const id of ['amazon.titan-text-express-v1:0:8k/abc123', 'A', 'z', '0', 'Z9_x.y:z/w-v']) expect(() => InvokableModel.customModel(model(id))).not.toThrow();
    for (const id of ['', '-abc', '.abc', 'abc def', 'abc*']) {
      expect(() => InvokableModel.customModel(model(id))).toThrow(fix('customModel', model(id), 'custom-model', example('custom-model-deployment')));
    }
  });

  test('fromApplicationInferenceProfile: a reference whose ARN is not an application profile\'s is refused, word for word', () => {
    const stack = newStack();
    for (const bad of [
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/ab-c`,
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/Abc`,
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/abc`,
    ]) {
      const ref = Object.assign(new Construct(stack, `R${stack.node.children.length}`), {
        env: { account: ACCOUNT, region: 'us-east-1' }, applicationInferenceProfileRef: { inferenceProfileIdentifier: bad, inferenceProfileArn: bad },
      });
      expect(() => InvokableModel.fromApplicationInferenceProfile(ref, InvokableModel.foundationModel(HAIKU)))
        .toThrow(fix('fromApplicationInferenceProfile', bad, 'application-inference-profile', example('application-inference-profile')));
    }
  });

  test('customModel: a value that is no ARN at all is refused with the fix', () => {
    expect(() => InvokableModel.customModel('my-model')).toThrow(fix('customModel', 'my-model', 'custom-model', example('custom-model-deployment')));
  });

  test('an application profile is copied from a foundation model or a system profile', () => {
    const app = `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/abc123`;
    const provisioned = InvokableModel.provisionedModel(`arn:aws:bedrock:us-east-1:${ACCOUNT}:provisioned-model/abc`);
    expect(() => InvokableModel.fromApplicationInferenceProfileArn(app, provisioned)).toThrow(
      'InvokableModel.fromApplicationInferenceProfileArn: an application inference profile is copied from a foundation model or a system inference profile, '
      + `not from PROVISIONED_MODEL 'arn:aws:bedrock:us-east-1:${ACCOUNT}:provisioned-model/abc'. `
      + 'Fix: pass InvokableModel.foundationModel(...), crossRegionInferenceProfile(...) or globalInferenceProfile(...) as copiedFrom.');
    expect(() => InvokableModel.fromApplicationInferenceProfileArn(app, InvokableModel.allFoundationModels())).toThrow('not from ALL_FOUNDATION_MODELS \'*\'');
    const appProfile = InvokableModel.fromApplicationInferenceProfileArn(app, InvokableModel.foundationModel(HAIKU));
    expect(() => InvokableModel.fromApplicationInferenceProfileArn(app, appProfile))
      .toThrow('not from APPLICATION_INFERENCE_PROFILE');
  });

  test('system profile IDs: tokens are refused (the model must be known), and the global and geographic kinds are told apart', () => {
    const token = new CfnParameter(newStack(), 'P').valueAsString;
    const tokenFix = 'the profile ID is an unresolved token, but the foundation model it routes to must be known at synth. Fix: pass the profile ID as a literal string.';
    expect(() => InvokableModel.crossRegionInferenceProfile(token, ['us-east-1'])).toThrow(`InvokableModel.crossRegionInferenceProfile: ${tokenFix}`);
    expect(() => InvokableModel.globalInferenceProfile(token)).toThrow(`InvokableModel.globalInferenceProfile: ${tokenFix}`);
    expect(() => InvokableModel.globalInferenceProfile(`us.${HAIKU}`)).toThrow(
      `InvokableModel.globalInferenceProfile: 'us.${HAIKU}' is a geographic profile, not a global one. Fix: use InvokableModel.crossRegionInferenceProfile('us.${HAIKU}', destinationRegions).`);
    expect(() => InvokableModel.crossRegionInferenceProfile(`global.${HAIKU}`, ['us-east-1'])).toThrow(
      `InvokableModel.crossRegionInferenceProfile: 'global.${HAIKU}' is a global profile. Fix: use InvokableModel.globalInferenceProfile('global.${HAIKU}').`);
    expect(() => InvokableModel.globalInferenceProfile('global.x')).toThrow(
      'InvokableModel.globalInferenceProfile: \'global.x\' is not an inference profile ID. Fix: use the system profile ID, for example \'global.anthropic.claude-sonnet-4-20250514-v1:0\'.');
    expect(() => InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-east']))
      .toThrow('InvokableModel.crossRegionInferenceProfile: \'us-east\' in destinationRegions is not an AWS Region name.');
  });

  test('a model ID that is a token is accepted', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'M').valueAsString;
    expect(grant(InvokableModel.foundationModel(token), stack).invokeArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-east-1::foundation-model/', { Ref: 'M' }]] }]);
  });
});
