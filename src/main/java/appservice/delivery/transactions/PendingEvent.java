package appservice.delivery.transactions;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/**
 * One item (an event, an ephemeral event, a to-device message, a device list or key update) waiting for
 * one application service; its id is the arrival order. The unfinished transaction that carries it,
 * if any, lists its id ({@code appservice_txn.item_ids}); it is deleted when that transaction is delivered.
 */
@Entity
@Table(name = "pending_event")
@NamedQuery(name = "PendingEvent.anyFor",
        query = "SELECT e.id FROM PendingEvent e WHERE e.asId = :as")
@NamedQuery(name = "PendingEvent.countByAs",
        query = "SELECT e.asId, COUNT(e) FROM PendingEvent e GROUP BY e.asId")
public class PendingEvent {

    @Id
    @SequenceGenerator(name = "pending_event_seq", sequenceName = "pending_event_seq", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "pending_event_seq")
    private Long id;

    @Column(name = "as_id", nullable = false)
    private String asId;

    /** event, ephemeral, to_device, device_lists or device_keys. */
    @Column(name = "kind", nullable = false, length = 16)
    private String kind;

    /** The item as it goes into a transaction body (for an event: the event). */
    @Column(name = "event_json", nullable = false, length = 1048576)
    private String json;

    @Column(name = "received_at", nullable = false)
    private long receivedAt;

    protected PendingEvent() {
    }

    public Long id() {
        return id;
    }

    public String asId() {
        return asId;
    }

    public String kind() {
        return kind;
    }

    public Item item() {
        return new Item(kind, json);
    }
}
