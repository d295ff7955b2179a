package appservice.delivery.transactions;

import java.util.Map;
import java.util.Objects;

/**
 * A transaction as it goes on the wire; its id and body never change once it exists. Its items by kind
 * are known when it was just cut, and empty when it was read back to be sent again.
 */
public record OutgoingTransaction(String asId, long txnId, String body, int itemCount, Map<String, Long> itemsByKind) {

    public OutgoingTransaction {
        Objects.requireNonNull(asId);
        Objects.requireNonNull(body);
        itemsByKind = Map.copyOf(itemsByKind);
    }

    OutgoingTransaction(String asId, long txnId, String body, int itemCount) {
        this(asId, txnId, body, itemCount, Map.of());
    }
}
