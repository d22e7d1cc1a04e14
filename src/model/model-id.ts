import { factoryError, isToken } from '../util/validation';

// Model ID checks shared by InvokableModel and the enforced-guardrail constructs (not exported from the package).

/**
 * Foundation model IDs: `provider.model`, for example `anthropic.claude-3-haiku-20240307-v1:0`.
 */
export const MODEL_ID = /^[a-z0-9-]+\.[a-zA-Z0-9._:-]+$/;
/** Geographic prefixes of system inference profiles (`us.`, `eu.`, `apac.`, `us-gov.`, ...). */
export const PROFILE_ID = /^([a-z]{2,6}(-[a-z]{2,4})?)\.([a-z0-9-]+\.[a-zA-Z0-9._:-]+)$/;
export const GEO_PREFIXES = new Set(['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'uk', 'global']);

/** Throws unless `modelId` is a foundation model ID (not an ARN, not an inference profile ID) or a token. */
export function checkModelId(factory: string, modelId: string) {
  if (isToken(modelId)) return;
  if (modelId.startsWith('arn:')) {
    throw factoryError(factory, `'${modelId}' is an ARN. Fix: pass the model ID alone, for example 'anthropic.claude-3-haiku-20240307-v1:0'.`);
  }
  const profile = PROFILE_ID.exec(modelId);
  if (profile && GEO_PREFIXES.has(profile[1])) {
    throw factoryError(factory, `'${modelId}' is an inference profile ID, not a model ID. `
      + `Fix: use InvokableModel.${profile[1] === 'global' ? 'globalInferenceProfile(id)' : 'crossRegionInferenceProfile(id, destinationRegions)'}, or the model ID '${profile[3]}'.`);
  }
  if (!MODEL_ID.test(modelId)) {
    throw factoryError(factory, `'${modelId}' is not a foundation model ID. Fix: use 'provider.model', for example 'anthropic.claude-3-haiku-20240307-v1:0'.`);
  }
}
