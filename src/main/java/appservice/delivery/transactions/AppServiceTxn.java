package appservice.delivery.transactions;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/**
 * An unfinished transaction with the exact body it was cut with: every retry sends these bytes under
 * this id, whatever happens to the registration or the code in between. At most one per application
 * service; deleted with its items once the application service accepts it.
 */
@Entity
@Table(name = "appservice_txn")
@IdClass(AppServiceTxn.Key.class)
@NamedQuery(name = "AppServiceTxn.ids", query = "SELECT t.asId, t.txnId FROM AppServiceTxn t")
@NamedQuery(name = "AppServiceTxn.delete",
        query = "DELETE FROM AppServiceTxn t WHERE t.asId = :as AND t.txnId = :txn")
public class AppServiceTxn {

    /** The primary key: transaction ids are per application service. */
    public static class Key implements Serializable {
        private String asId;
        private long txnId;

        public Key() {
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(asId, key.asId) && txnId == key.txnId;
        }

        @Override
        public int hashCode() {
            return Objects.hash(asId, txnId);
        }
    }

    @Id
    @Column(name = "as_id")
    private String asId;

    @Id
    @Column(name = "txn_id")
    private long txnId;

    @Column(name = "body", nullable = false)
    private String body;

    @Column(name = "item_count", nullable = false)
    private int itemCount;

    @Column(name = "created_at", nullable = false)
    private long createdAt;

    protected AppServiceTxn() {
    }
}
