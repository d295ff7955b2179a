package appservice.delivery.transactions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cuts one transaction from what is waiting for an application service: at most a given number of items
 * of each kind (Synapse's caps are 100 events, 100 ephemeral and 100 to-device messages), the rest left
 * for the next transaction, in order.
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

    /** The first {@code limitPerKind} items of each kind, in their original order. */
    public static <T> List<T> take(List<T> waitingInOrder, Function<T, String> kindOf, int limitPerKind) {
        if (limitPerKind < 1) {
            throw new IllegalArgumentException("limitPerKind must be at least 1, was " + limitPerKind);
        }
        Map<String, Integer> takenPerKind = new HashMap<>();
        List<T> batch = new ArrayList<>();
        for (T item : waitingInOrder) {
            if (takenPerKind.merge(kindOf.apply(item), 1, Integer::sum) <= limitPerKind) {
                batch.add(item);
            }
        }
        return batch;
    }
}
