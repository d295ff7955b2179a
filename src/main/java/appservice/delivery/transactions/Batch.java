package appservice.delivery.transactions;

/**
 * How many items one transaction holds: up to {@code perKind} of each kind (Synapse's caps are 100 events,
 * 100 ephemeral and 100 to-device messages; the rest waits for the next transaction, in order), or, when
 * {@code alone}, only the oldest item of all. An application service that refuses transactions as too large
 * (HTTP 413) gets smaller ones, down to one item alone, which it either takes or refuses as a dead letter.
 */
public record Batch(int perKind, boolean alone) {

    public static final int MAX_PER_KIND = 100;

    /** What every application service gets until it refuses a transaction as too large. */
    public static final Batch FULL = new Batch(MAX_PER_KIND, false);

    public Batch {
        if (perKind < 1) {
            throw new IllegalArgumentException("at least one item of each kind, not " + perKind);
        }
    }

    /**
     * The batch after a transaction of {@code refusedItems} items (more than one) was refused as too large:
     * half of what it could hold of one kind; once that is one of each kind (several kinds can still make
     * a transaction of several items), the oldest item alone. Always smaller than this one, so that a refused
     * transaction is never cut again the same way.
     */
    public Batch smallerAfter(int refusedItems) {
        if (perKind > 1) {
            return new Batch(halved(perKind, refusedItems), false);
        }
        return new Batch(1, true);
    }

    /** Half of what a refused transaction of {@code refusedItems} items could hold of one kind, never below one. */
    static int halved(int limitPerKind, int refusedItems) {
        return Math.max(1, Math.min(limitPerKind, refusedItems) / 2);
    }
}
