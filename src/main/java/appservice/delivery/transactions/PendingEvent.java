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
 * One event waiting for one application service; its id is the arrival order. Once it belongs to a
 * transaction ({@code txnId} set) it stays in that transaction until the transaction is delivered.
 */
@Entity
@Table(name = "pending_event")
@NamedQuery(name = "PendingEvent.openTxnId",
        query = "SELECT MIN(e.txnId) FROM PendingEvent e WHERE e.asId = :as AND e.txnId IS NOT NULL")
@NamedQuery(name = "PendingEvent.inTxn",
        query = "SELECT e FROM PendingEvent e WHERE e.asId = :as AND e.txnId = :txn ORDER BY e.id")
@NamedQuery(name = "PendingEvent.waiting",
        query = "SELECT e FROM PendingEvent e WHERE e.asId = :as AND e.txnId IS NULL ORDER BY e.id")
@NamedQuery(name = "PendingEvent.anyFor",
        query = "SELECT e.id FROM PendingEvent e WHERE e.asId = :as")
@NamedQuery(name = "PendingEvent.deleteTxn",
        query = "DELETE FROM PendingEvent e WHERE e.asId = :as AND e.txnId = :txn")
@NamedQuery(name = "PendingEvent.countByAs",
        query = "SELECT e.asId, COUNT(e) FROM PendingEvent e GROUP BY e.asId")
public class PendingEvent {

    @Id
    @SequenceGenerator(name = "pending_event_seq", sequenceName = "pending_event_seq", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "pending_event_seq")
    private Long id;

    @Column(name = "as_id", nullable = false)
    private String asId;

    @Column(name = "txn_id")
    private Long txnId;

    @Column(name = "event_json", nullable = false, length = 1048576)
    private String eventJson;

    @Column(name = "received_at", nullable = false)
    private long receivedAt;

    protected PendingEvent() {
    }

    public PendingEvent(String asId, String eventJson, long receivedAt) {
        this.asId = Objects.requireNonNull(asId);
        this.eventJson = Objects.requireNonNull(eventJson);
        this.receivedAt = receivedAt;
    }

    void assignTo(long txnId) {
        if (this.txnId != null) {
            throw new IllegalStateException("event " + id + " already belongs to txn " + this.txnId);
        }
        this.txnId = txnId;
    }

    public Long id() {
        return id;
    }

    public String eventJson() {
        return eventJson;
    }
}
