package appservice.delivery.transactions;

import java.util.List;
import java.util.Objects;

/**
 * One routed item of a transaction: its kind ({@code event}, {@code ephemeral}, {@code to_device},
 * {@code device_lists} or {@code device_keys}) and its JSON as it is stored.
 */
public record Item(String kind, String json) {

    /** Every kind, in the order a transaction's body lists them. */
    public static final List<String> KINDS = List.of("event", "ephemeral", "to_device", "device_lists", "device_keys");

    public Item {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(json, "json");
    }
}
