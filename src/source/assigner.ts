/**
 * A partition assigner that hands out partition NUMBERS: partition p of every input topic goes to
 * the same member, so a host whose records arrive on several co-partitioned topics lives in one
 * instance, next to changelog partition p.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'PoisonlinkCoPartitioned',
  version: 0,
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const numbers = new Set<number>();
    for (const topic of topics)
      for (const m of cluster.findTopicPartitionMetadata(topic)) numbers.add(m.partitionId);
    const sorted = [...numbers].sort((a, b) => a - b);
    const plan = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    sorted.forEach((p, i) => {
      const owner = plan.get(ids[i % ids.length]!)!;
      for (const topic of topics) {
        if (!cluster.findTopicPartitionMetadata(topic).some((m) => m.partitionId === p)) continue;
        owner[topic] ??= [];
        owner[topic].push(p);
      }
    });
    return ids.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: plan.get(memberId)!,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'PoisonlinkCoPartitioned',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
