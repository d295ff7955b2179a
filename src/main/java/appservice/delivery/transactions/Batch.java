package appservice.delivery.transactions;

/**
 * How many items of each kind one transaction holds: Synapse's caps are 100 events, 100 ephemeral and
 * 100 to-device messages; the rest waits for the next transaction, in order.
 */
public final class Batch {

    public static final int MAX_PER_KIND = 100;

    private Batch() {
    }

    /**
     * The limit after an application service refused a transaction of {@code refusedItems} items as too
     * large: half of what that transaction could hold of one kind, never below one.
     */
    public static int halved(int limitPerKind, int refusedItems) {
        return Math.max(1, Math.min(limitPerKind, refusedItems) / 2);
    }
}
