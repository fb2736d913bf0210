// GetTopology and PutTopology. Without `file`, GetTopology answers the bipartite graph of tags
// and data points (one group per tag); with it, the stored topology file of that name (e.g. the
// grid's CIM RDF/XML, which GRM imports). Every answer lists the stored files.

import { StoreError } from '../../core/storacle/store/api.js';
import type { GetTopology, PutTopology, SuccessReply, TagGroup, TopologyReply } from '../../schemas/generated/messages.js';
import { tagMatch } from './data-point-requests.js';
import { checkTags, checkTopologyFileName } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

export class TopologyRequests {
  constructor(private readonly context: StorageContext) {}

  get(request: GetTopology): TopologyReply {
    const store = this.context.store();
    if (request.file !== undefined) {
      checkTopologyFileName(request.file);
      const content = store.getTopology(request.file);
      return { file: request.file, content, files: store.topologyNames() };
    }
    const tags = checkTags(request.tags);
    const groups = new Map<string, string[]>();
    const untagged: string[] = [];
    // dataPoints() is sorted by name, so every group's list comes out sorted too.
    for (const info of store.dataPoints(tags, tagMatch(request.match))) {
      if (info.tags.length === 0) untagged.push(info.name);
      for (const tag of info.tags) (groups.get(tag) ?? groups.set(tag, []).get(tag)!).push(info.name);
    }
    const sorted: TagGroup[] = [...groups.keys()].sort().map((tag) => ({ tag, dataPoints: groups.get(tag)! }));
    return { groups: sorted, untagged, files: store.topologyNames() };
  }

  async put(request: PutTopology): Promise<SuccessReply> {
    checkTopologyFileName(request.file);
    if (request.content === undefined) throw new StoreError('InvalidArgument', `PutTopology of ${request.file} has no content`);
    const limit = this.context.settings().maxTopologyBytes;
    if (request.content.length > limit) {
      throw new StoreError('ResourceExhausted', `the topology file ${request.file} has ${request.content.length} bytes; at most ${limit} are stored (setting maxTopologyBytes)`);
    }
    const existed = this.context.store().topologyNames().includes(request.file);
    // A copy: the request's bytes are a view into the bus's receive buffer.
    await this.context.store().putTopology(request.file, new Uint8Array(request.content));
    this.context.log.info('topology file stored', { file: request.file, bytes: request.content.length });
    return { message: existed ? 'replaced' : 'stored' };
  }
}
