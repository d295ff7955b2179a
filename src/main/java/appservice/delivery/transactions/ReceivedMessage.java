package appservice.delivery.transactions;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;

/**
 * A JMS message whose events are stored. Committed with those events, and kept for longer than the
 * broker could possibly redeliver the message, so that a redelivery is recognised and not stored twice.
 */
@Entity
@Table(name = "received_message")
@NamedQuery(name = "ReceivedMessage.deleteOlderThan",
        query = "DELETE FROM ReceivedMessage m WHERE m.receivedAt < :before")
public class ReceivedMessage {

    @Id
    @Column(name = "message_id")
    private String messageId;

    @Column(name = "received_at", nullable = false)
    private long receivedAt;

    protected ReceivedMessage() {
    }
}
