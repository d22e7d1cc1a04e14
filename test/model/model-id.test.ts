import { App, Stack } from 'aws-cdk-lib';
import { InvokableModel } from '../../src/model/invokable-model';

/**
 * The identifier grammars behind InvokableModel, character by character: a model ID that is really an inference
 * profile ID must be refused (the policy would name a foundation model that requests never use), a profile of every
 * geography must be accepted and routed to its model, and nothing with a character outside the alphabet passes.
 * Each valid value below differs from the others in one character class or range end, so that narrowing any part
 * of a grammar refuses one of them, and each invalid value is one step outside it.
 */
const PROVIDER_CHARS = ['a', 'z', '0', '9', '-'];
const MODEL_CHARS = ['a', 'z', 'A', 'Z', '0', '9', '.', '_', ':', '-'];
const GEOGRAPHIES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'uk'];
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

/** The foundation models a profile routes to, in its source Region us-east-1. */
function routedModels(model: InvokableModel): string[] {
  const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
  return model._bind(stack).routes.flatMap(r => r.modelArns).map(arn => arn.split(':foundation-model/')[1]);
}

describe('foundation model IDs', () => {
  test.each([
    ...PROVIDER_CHARS.map(c => `${c}.m`),
    ...MODEL_CHARS.map(c => `p.${c}`),
    'ab.cd',
    HAIKU,
    'meta.llama3-1-405b-instruct-v1:0',
  ])('%s is a model ID', id => {
    expect(InvokableModel.foundationModel(id).toString()).toBe(`FOUNDATION_MODEL(${id})`);
  });

  test.each([
    ['a leading space', ` ${HAIKU}`],
    ['a trailing space', `${HAIKU} `],
    ['no provider', '.m'],
    ['no model', 'p.'],
    ['no dot', 'anthropic'],
    ['a capital in the provider', 'Anthropic.claude'],
    ['a slash', 'p.m/x'],
    ['a wildcard', 'p.m*'],
  ])('%s is not a model ID', (_label, id) => {
    expect(() => InvokableModel.foundationModel(id)).toThrow(`InvokableModel.foundationModel: '${id}' is not a foundation model ID. Fix: use 'provider.model'`);
  });

  test('an ARN is refused as an ARN', () => {
    expect(() => InvokableModel.foundationModel(`arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`)).toThrow(/is an ARN\. Fix: pass the model ID alone/);
  });
});

describe('system inference profile IDs', () => {
  const profiles = [
    ...GEOGRAPHIES.map(geo => [`${geo}.${HAIKU}`, HAIKU]),
    ...PROVIDER_CHARS.map(c => [`us.${c}.m`, `${c}.m`]),
    ...MODEL_CHARS.map(c => [`us.p.${c}`, `p.${c}`]),
  ];

  test.each(profiles)('%s is a geographic profile of %s', (id, model) => {
    const profile = InvokableModel.crossRegionInferenceProfile(id, ['us-east-1']);
    expect(profile.toString()).toBe(`CROSS_REGION_INFERENCE_PROFILE(${id})`);
    expect(routedModels(profile)).toEqual([model]);
  });

  test.each(profiles)('%s is refused as a model ID, and the fix names its model', (id, model) => {
    expect(() => InvokableModel.foundationModel(id))
      .toThrow(`'${id}' is an inference profile ID, not a model ID. Fix: use InvokableModel.crossRegionInferenceProfile(id, destinationRegions), or the model ID '${model}'.`);
  });

  test('global is the global profile, refused as a model ID with its own fix', () => {
    expect(routedModels(InvokableModel.globalInferenceProfile(`global.${HAIKU}`))).toEqual([HAIKU, HAIKU]);
    expect(() => InvokableModel.foundationModel(`global.${HAIKU}`))
      .toThrow(`Fix: use InvokableModel.globalInferenceProfile(id), or the model ID '${HAIKU}'.`);
  });

  test.each([
    ['an unknown geography', `xx.${HAIKU}`],
    ['a geography with a capital', `US.${HAIKU}`],
    ['a leading space', ` us.${HAIKU}`],
    ['a trailing space', `us.${HAIKU} `],
    ['no model part', 'us.anthropic'],
    ['an empty model', 'us.anthropic.'],
    ['a wildcard', 'us.anthropic.*'],
  ])('%s is not a profile ID', (_label, id) => {
    expect(() => InvokableModel.crossRegionInferenceProfile(id, ['us-east-1']))
      .toThrow(`InvokableModel.crossRegionInferenceProfile: '${id}' is not an inference profile ID. Fix: use the system profile ID, for example 'us.anthropic.claude-3-haiku-20240307-v1:0'.`);
  });

  test('a global profile ID that is not one names the global example', () => {
    expect(() => InvokableModel.globalInferenceProfile('global.anthropic'))
      .toThrow('for example \'global.anthropic.claude-sonnet-4-20250514-v1:0\'');
  });
});
