import { IConstruct } from 'constructs';
import { MetadataEntry } from '../check/input';
import { ACKNOWLEDGED_RULES } from '../check/report';

/**
 * The metadata of every construct under `root`, by construct path (`/Stage/Stack/Role`, the root's as `/`), as a
 * cloud assembly records it for the constructs of a stack, so that the checks read acknowledgements made anywhere
 * in the app, on a Stage or the App included.
 */
export function metadataOf(root: IConstruct): { [constructPath: string]: MetadataEntry[] } {
  const out: { [constructPath: string]: MetadataEntry[] } = {};
  for (const c of root.node.findAll()) {
    if (c.node.metadata.length > 0) out[`/${c.node.path}`] = c.node.metadata.map(m => ({ type: m.type, data: m.data }));
  }
  return out;
}

/** Every rule id acknowledged anywhere in the metadata (aws-cdk-lib matches a violation against these by id alone). */
export function acknowledgedIds(metadata: { [constructPath: string]: MetadataEntry[] }): Set<string> {
  const ids = new Set<string>();
  for (const entries of Object.values(metadata)) {
    for (const entry of entries) {
      if (entry.type === ACKNOWLEDGED_RULES && typeof entry.data === 'object' && entry.data !== null) Object.keys(entry.data).forEach(id => ids.add(id));
    }
  }
  return ids;
}
