package appservice.delivery.transactions;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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

    /** The most of a body kept and listed, in bytes of UTF-8: a refused message may have hundreds of megabytes. */
    public static final int MAX_BODY_BYTES = 64 << 10;

    /** The longest group id kept: the column's size (a record that cannot be stored would hold its whole batch). */
    static final int MAX_GROUP_ID = 255;

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

    /** The item's JSON, or the message's body as it came: whole, or its first {@value #MAX_BODY_BYTES} bytes. */
    @Column(name = "item_json", nullable = false)
    private String json;

    /** The whole body's length in bytes (UTF-8 for a text); null in rows made before it was kept. */
    @Column(name = "body_length")
    private Long bodyLength;

    /** The whole body's SHA-256 in hex; null in rows made before it was kept. */
    @Column(name = "body_sha256", length = 64)
    private String bodySha256;

    /** Whether {@link #json} is only the first part of the body (the whole is on the dead-letter queue). */
    @Column(name = "body_truncated", nullable = false)
    private boolean truncated;

    @Column(name = "reason", nullable = false, length = 2000)
    private String reason;

    @Column(name = "created_at", nullable = false)
    private long createdAt;

    protected DeadLetter() {
    }

    /** An item an application service refused alone. */
    public static DeadLetter item(String asId, Item item, String reason, long createdAt) {
        DeadLetter letter = new DeadLetter(Objects.requireNonNull(asId), item, reason, createdAt);
        letter.bodyLength = (long) utf8(item.json()).length;
        letter.bodySha256 = sha256(item.json());
        return letter;
    }

    static DeadLetter message(RefusedMessage refused, long createdAt) {
        DeadLetter letter = new DeadLetter(null, new Item(MESSAGE, refused.body()), refused.reason(), createdAt);
        letter.messageId = refused.messageId();
        String group = refused.groupId();
        letter.groupId = group == null || group.length() <= MAX_GROUP_ID ? group : group.substring(0, MAX_GROUP_ID);
        letter.bodyLength = refused.bodyLength();
        letter.bodySha256 = refused.bodySha256();
        letter.truncated = refused.truncated();
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

    /**
     * Whether the stored body is only the first part of the message's (whose whole is on the dead-letter queue):
     * replaying it needs that copy.
     */
    public boolean isTruncated() {
        return truncated;
    }

    /** The whole body's length in bytes of UTF-8. */
    public long bodyLength() {
        return bodyLength != null ? bodyLength : utf8(json).length;
    }

    /** The whole body's SHA-256 (of its UTF-8 bytes), in lower-case hex. */
    public String bodySha256() {
        return bodySha256 != null ? bodySha256 : sha256(json);
    }

    /**
     * The body as operators see it listed: at most {@value #MAX_BODY_BYTES} bytes of it (rows made before the
     * bound kept whole bodies), never a lone half of a surrogate pair at the end.
     */
    public String listedBody() {
        return prefix(json, MAX_BODY_BYTES);
    }

    /** Whether {@link #listedBody} is only the first part of the body. */
    public boolean listedBodyCut() {
        return truncated || listedBody().length() < json.length();
    }

    /** The longest start of a text whose UTF-8 form has at most this many bytes. */
    public static String prefix(String text, int maxBytes) {
        if (text.length() * 3L <= maxBytes) {
            return text;
        }
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int codePoint = text.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return text.substring(0, i);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8(text)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
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
