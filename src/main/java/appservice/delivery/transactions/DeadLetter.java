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
 * An item an application service refused even alone (HTTP 413): it can never be delivered, so it is
 * kept here with the reason for operators instead of blocking everything behind it.
 */
@Entity
@Table(name = "dead_letter")
@NamedQuery(name = "DeadLetter.all", query = "SELECT d FROM DeadLetter d ORDER BY d.id")
@NamedQuery(name = "DeadLetter.count", query = "SELECT COUNT(d) FROM DeadLetter d")
public class DeadLetter {

    @Id
    @SequenceGenerator(name = "dead_letter_seq", sequenceName = "dead_letter_seq", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "dead_letter_seq")
    private Long id;

    @Column(name = "as_id", nullable = false)
    private String asId;

    @Column(name = "kind", nullable = false, length = 16)
    private String kind;

    @Column(name = "item_json", nullable = false, length = 1048576)
    private String json;

    @Column(name = "reason", nullable = false, length = 2000)
    private String reason;

    @Column(name = "created_at", nullable = false)
    private long createdAt;

    protected DeadLetter() {
    }

    DeadLetter(String asId, Item item, String reason, long createdAt) {
        this.asId = Objects.requireNonNull(asId);
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

    public String reason() {
        return reason;
    }

    public long createdAt() {
        return createdAt;
    }
}
