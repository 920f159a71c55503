import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packOutcomes, packVotes, unpackOutcomes, unpackVotes } from '../../src/store/sqlite/worker-protocol.js';
import { integrityOutcome, type NewVote, type RecordOutcome } from '../../src/store/types.js';

/** The packed form recordVotes crosses threads in must give back exactly what went in. */
describe('votes and outcomes packed for the store thread', () => {
  const vote: fc.Arbitrary<NewVote> = fc.record({
    kioskId: fc.string({ unit: 'grapheme', maxLength: 20 }),
    // Any well-formed string: separators, newlines and NULs included.
    voteId: fc.string({ unit: 'grapheme', maxLength: 40 }),
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    pollId: fc.integer({ min: 1, max: 2 ** 31 }),
    button: fc.integer({ min: 1, max: 8 }),
    pressedAt: fc.integer({ min: 0, max: 8.64e15 }),
    receivedAt: fc.integer({ min: 0, max: 8.64e15 }),
    clockUnknown: fc.boolean(),
  });

  it('unpackVotes(packVotes(v)) equals v', () => {
    fc.assert(
      fc.property(fc.array(vote, { maxLength: 30 }), (votes) => {
        expect(unpackVotes(structuredClone(packVotes(votes)))).toEqual(votes);
      }),
    );
  });

  it('unpackOutcomes(packOutcomes(o)) equals o, the integrity message worded from the vote', () => {
    const outcome: fc.Arbitrary<RecordOutcome> = fc.oneof(
      fc.record({ status: fc.constantFrom('stored' as const, 'duplicate' as const), flagged: fc.boolean() }),
      fc.constant({ status: 'integrity' as const }) as fc.Arbitrary<RecordOutcome>,
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(vote, outcome), { maxLength: 30 }), (pairs) => {
        const votes = pairs.map(([v]) => v);
        const outcomes = pairs.map(([v, o]) => (o.status === 'integrity' ? integrityOutcome(v.voteId) : o));
        expect(unpackOutcomes(structuredClone(packOutcomes(outcomes)), votes)).toEqual(outcomes);
      }),
    );
  });
});
