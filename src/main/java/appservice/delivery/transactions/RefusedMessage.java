package appservice.delivery.transactions;

import java.util.Objects;

/**
 * A message from the queue that can never be used, as it is recorded for operators: its body only up to a
 * bound (the whole of it is on the dead-letter queue), with the whole body's length and SHA-256.
 *
 * @param body the body as text, whole or its first part ({@code truncated})
 * @param bodyLength the whole body's length in bytes (UTF-8 for a text)
 * @param bodySha256 the whole body's SHA-256 (of those bytes), in lower-case hex
 */
public record RefusedMessage(String messageId, String groupId, String body, long bodyLength, String bodySha256,
        boolean truncated, String reason) {

    public RefusedMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(bodySha256, "bodySha256");
        Objects.requireNonNull(reason, "reason");
    }
}
