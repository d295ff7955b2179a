package appservice.delivery.transactions;

import java.util.Objects;

/** A transaction as it goes on the wire; its id and body never change once it exists. */
public record OutgoingTransaction(String asId, long txnId, String body, int itemCount) {

    public OutgoingTransaction {
        Objects.requireNonNull(asId);
        Objects.requireNonNull(body);
    }
}
