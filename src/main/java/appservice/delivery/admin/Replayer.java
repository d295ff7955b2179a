package appservice.delivery.admin;

import appservice.delivery.ingest.DeadLetters;
import appservice.delivery.transactions.DeadLetter;
import appservice.delivery.transactions.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.Optional;

/**
 * Puts dead letters back on the events queue, each once however often it is asked: the dead letter is locked
 * while it is replayed and forgotten in the same database transaction, so a concurrent replay waits and then
 * finds it gone; and the message carries a duplicate id of its own, so that when a replay fails after
 * publishing (before the dead letter is forgotten) and is tried again, the broker drops the second copy.
 */
@ApplicationScoped
public class Replayer {

    /** What became of a replay. */
    public enum Outcome {
        REPLAYED,
        /** No such dead letter (never, or already replayed or dismissed). */
        NOT_FOUND,
        /** Its stored body was cut, and its whole copy is no longer on the dead-letter queue. */
        COPY_GONE
    }

    @Inject
    Transactions transactions;

    @Inject
    DeadLetters deadLetters;

    /**
     * Replays the dead letter and forgets it, in one database transaction. A message whose stored body was cut
     * goes back from its copy on the dead-letter queue (moved, in one broker transaction), whole.
     */
    @Transactional
    public Replayed replay(long id) {
        Optional<DeadLetter> found = transactions.lockDeadLetter(id);
        if (found.isEmpty()) {
            return new Replayed(Outcome.NOT_FOUND, null);
        }
        DeadLetter letter = found.get();
        String duplicateId = Replay.duplicateIdOf(letter);
        if (letter.isTruncated()) {
            if (!deadLetters.republishCopy(letter.messageId(), letter.groupId(), duplicateId)) {
                return new Replayed(Outcome.COPY_GONE, letter);
            }
        } else {
            deadLetters.republish(Replay.envelopeOf(letter), Replay.groupOf(letter), duplicateId);
        }
        transactions.forgetDeadLetter(id);
        return new Replayed(Outcome.REPLAYED, letter);
    }

    /** The outcome, and the dead letter when there was one. */
    public record Replayed(Outcome outcome, DeadLetter letter) {
    }
}
