package appservice.delivery.transactions;

import java.util.Map;
import java.util.Objects;

/**
 * A transaction as it goes on the wire; its id, body and items never change once it exists. Its items by
 * kind are known when it was just cut, and empty when it was read back to be sent again.
 */
public record OutgoingTransaction(String asId, long txnId, String body, long[] itemIds, Map<String, Long> itemsByKind) {

    public OutgoingTransaction {
        Objects.requireNonNull(asId);
        Objects.requireNonNull(body);
        itemIds = itemIds.clone();
        itemsByKind = Map.copyOf(itemsByKind);
    }

    OutgoingTransaction(String asId, long txnId, String body, long[] itemIds) {
        this(asId, txnId, body, itemIds, Map.of());
    }

    @Override
    public long[] itemIds() {
        return itemIds.clone();
    }

    public int itemCount() {
        return itemIds.length;
    }
}
