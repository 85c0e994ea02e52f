import { AssignerProtocol, type Cluster } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { coPartitionedAssigner } from '../../src/source/assigner.js';

function cluster(partitions: Record<string, number>): Cluster {
  return {
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: partitions[topic] ?? 0 }, (_, i) => ({ partitionId: i })),
  } as unknown as Cluster;
}

describe('the co-partitioned assigner', () => {
  it('gives partition p of every input topic to the same member and spreads partitions evenly', async () => {
    const a = coPartitionedAssigner({ cluster: cluster({ x: 6, y: 6 }), groupId: 'g', logger: {} as never });
    const plan = await a.assign({
      members: [{ memberId: 'm2' }, { memberId: 'm1' }] as never,
      topics: ['x', 'y'],
    });
    const decoded = new Map(
      plan.map((p) => [p.memberId, AssignerProtocol.MemberAssignment.decode(p.memberAssignment)?.assignment]),
    );
    expect(decoded.get('m1')).toEqual({ x: [0, 2, 4], y: [0, 2, 4] });
    expect(decoded.get('m2')).toEqual({ x: [1, 3, 5], y: [1, 3, 5] });
  });

  it('gives everything to a single member', async () => {
    const a = coPartitionedAssigner({ cluster: cluster({ x: 3 }), groupId: 'g', logger: {} as never });
    const plan = await a.assign({ members: [{ memberId: 'only' }] as never, topics: ['x'] });
    expect(AssignerProtocol.MemberAssignment.decode(plan[0]!.memberAssignment)?.assignment).toEqual({
      x: [0, 1, 2],
    });
  });
});
