package appservice.delivery.transactions;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.util.Objects;

/**
 * What could not be delivered, kept with the reason for operators: an item an application service
 * refused even alone (HTTP 413), or a message from the queue that could never be used (kind
 * {@code message}, whose copy is also on the dead-letter queue). Operators replay or forget it.
 */
@Entity
@Table(name = "dead_letter")
@NamedQuery(name = "DeadLetter.all", query = "SELECT d FROM DeadLetter d ORDER BY d.id")
@NamedQuery(name = "DeadLetter.count", query = "SELECT COUNT(d) FROM DeadLetter d")
@NamedQuery(name = "DeadLetter.byMessage", query = "SELECT d FROM DeadLetter d WHERE d.messageId = :message")
public class DeadLetter {

    /** The kind of a dead letter that is a whole message rather than a routed item. */
    public static final String MESSAGE = "message";

    @Id
    @SequenceGenerator(name = "dead_letter_seq", sequenceName = "dead_letter_seq", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "dead_letter_seq")
    private Long id;

    /** The refusing application service; null for a message. */
    @Column(name = "as_id")
    private String asId;

    /** The JMS message id of a message; null for an item. */
    @Column(name = "message_id")
    private String messageId;

    /** The message's JMSXGroupID (its room), to replay it in the same group. */
    @Column(name = "group_id")
    private String groupId;

    @Column(name = "kind", nullable = false, length = 16)
    private String kind;

    /** The item's JSON, or the message's body as it came. */
    @Column(name = "item_json", nullable = false)
    private String json;

    @Column(name = "reason", nullable = false, length = 2000)
    private String reason;

    @Column(name = "created_at", nullable = false)
    private long createdAt;

    protected DeadLetter() {
    }

    /** An item an application service refused alone. */
    public static DeadLetter item(String asId, Item item, String reason, long createdAt) {
        return new DeadLetter(Objects.requireNonNull(asId), item, reason, createdAt);
    }

    static DeadLetter message(String messageId, String groupId, String body, String reason, long createdAt) {
        DeadLetter letter = new DeadLetter(null, new Item(MESSAGE, body == null ? "" : body), reason, createdAt);
        letter.messageId = Objects.requireNonNull(messageId);
        letter.groupId = groupId;
        return letter;
    }

    DeadLetter(String asId, Item item, String reason, long createdAt) {
        this.asId = asId;
        this.kind = item.kind();
        this.json = item.json();
        this.reason = reason.length() > 2000 ? reason.substring(0, 2000) : reason;
        this.createdAt = createdAt;
    }

    public Long id() {
        return id;
    }

    public String asId() {
        return asId;
    }

    public Item item() {
        return new Item(kind, json);
    }

    public String messageId() {
        return messageId;
    }

    public String groupId() {
        return groupId;
    }

    public boolean isMessage() {
        return MESSAGE.equals(kind);
    }

    public String reason() {
        return reason;
    }

    public long createdAt() {
        return createdAt;
    }
}
