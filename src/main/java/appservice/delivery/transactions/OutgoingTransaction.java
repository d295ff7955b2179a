package appservice.delivery.transactions;

import java.util.List;
import java.util.Objects;

/** A transaction as it goes on the wire; its id and events never change once it exists. */
public record OutgoingTransaction(String asId, long txnId, List<String> eventJsons) {

    public OutgoingTransaction {
        Objects.requireNonNull(asId);
        eventJsons = List.copyOf(eventJsons);
    }

    /** The PUT body; the same bytes every time it is built, since the events are stored as sent. */
    public String body() {
        return "{\"events\":[" + String.join(",", eventJsons) + "]}";
    }

    public int size() {
        return eventJsons.size();
    }
}
