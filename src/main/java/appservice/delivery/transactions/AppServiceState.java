package appservice.delivery.transactions;

import appservice.delivery.recovery.Backoff;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;
import java.time.Duration;
import java.util.Objects;

/**
 * What the service knows of one application service across restarts: whether it is UP or DOWN, where
 * its recoverer stands, and the last transaction id handed out (ids only ever grow).
 */
@Entity
@Table(name = "appservice_state")
@NamedQuery(name = "AppServiceState.all", query = "SELECT s FROM AppServiceState s ORDER BY s.asId")
public class AppServiceState {

    public enum State { UP, DOWN }

    @Id
    @Column(name = "as_id")
    private String asId;

    @Enumerated(EnumType.STRING)
    @Column(name = "state", nullable = false, length = 16)
    private State state = State.UP;

    @Column(name = "last_txn_id", nullable = false)
    private long lastTxnId;

    @Column(name = "backoff_step", nullable = false)
    private int backoffStep;

    @Column(name = "next_retry_at")
    private Long nextRetryAt;

    @Column(name = "down_since")
    private Long downSince;

    @Column(name = "last_error", length = 2000)
    private String lastError;

    @Column(name = "last_error_at")
    private Long lastErrorAt;

    /** Paused by an operator: nothing is sent, items keep being stored. Independent of UP/DOWN. */
    @Column(name = "paused", nullable = false)
    private boolean paused;

    @Column(name = "sent_txns", nullable = false)
    private long sentTxns;

    @Column(name = "failed_txns", nullable = false)
    private long failedTxns;

    @Column(name = "sent_items", nullable = false)
    private long sentItems;

    /** The instance that sends for the application service (see appservice.delivery.sending.Leases). */
    @Column(name = "lease_owner", insertable = false, updatable = false)
    private String leaseOwner;

    /** Grows each time the lease is taken (see Transactions.Fence). */
    @Column(name = "lease_generation", insertable = false, updatable = false)
    private long leaseGeneration;

    protected AppServiceState() {
    }

    public AppServiceState(String asId) {
        this.asId = Objects.requireNonNull(asId);
    }

    /**
     * Records a failed send: DOWN (if it was not already), the next backoff step (back to 1 after a
     * success since the last failure), and when its recoverer retries. Returns the wait.
     */
    Duration failed(String error, long nowMillis, boolean progressedSinceLastFailure, Duration backoffMax) {
        if (state == State.UP) {
            state = State.DOWN;
            downSince = nowMillis;
            backoffStep = 1;
        } else {
            backoffStep = progressedSinceLastFailure ? 1 : backoffStep + 1;
        }
        lastError = error.length() > 2000 ? error.substring(0, 2000) : error;
        lastErrorAt = nowMillis;
        failedTxns++;
        Duration wait = Backoff.delay(backoffStep, backoffMax);
        nextRetryAt = nowMillis + wait.toMillis();
        return wait;
    }

    /** Its recoverer retries at this time (epoch ms), sooner than its backoff said. */
    void retryAt(long at) {
        nextRetryAt = at;
    }

    void pause(boolean paused) {
        this.paused = paused;
    }

    void up() {
        state = State.UP;
        backoffStep = 0;
        nextRetryAt = null;
        downSince = null;
    }

    public String asId() {
        return asId;
    }

    public State state() {
        return state;
    }

    public boolean isDown() {
        return state == State.DOWN;
    }

    public int backoffStep() {
        return backoffStep;
    }

    public Long nextRetryAt() {
        return nextRetryAt;
    }

    public Long downSince() {
        return downSince;
    }

    public String lastError() {
        return lastError;
    }

    public Long lastErrorAt() {
        return lastErrorAt;
    }

    public boolean isPaused() {
        return paused;
    }

    public long sentTxns() {
        return sentTxns;
    }

    public long failedTxns() {
        return failedTxns;
    }

    public long sentItems() {
        return sentItems;
    }

    /** Whether the lease is still the one a transaction was sent under. */
    boolean holds(Transactions.Fence fence) {
        return fence.instanceId().equals(leaseOwner) && fence.generation() == leaseGeneration;
    }
}
