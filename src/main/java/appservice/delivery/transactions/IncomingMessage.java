package appservice.delivery.transactions;

import appservice.delivery.routing.Routed;
import java.util.List;
import java.util.Objects;

/** A message from the queue with its items routed, ready to be stored: one item per interested application service. */
public record IncomingMessage(String messageId, List<Routed> items) {

    public IncomingMessage {
        Objects.requireNonNull(messageId, "messageId");
        items = List.copyOf(items);
    }
}
