package appservice.delivery.transactions;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The database side of delivery: stores incoming events per application service, cuts them into
 * transactions, forgets delivered ones, and keeps each application service's UP/DOWN state.
 * Every public method is one database transaction.
 */
@ApplicationScoped
@Transactional
public class Transactions {

    /** At most this many events go in one transaction, as in Synapse. */
    public static final int MAX_EVENTS = 100;

    @PersistenceContext(unitName = "delivery")
    EntityManager em;

    Clock clock = Clock.systemUTC();

    /**
     * Stores one message's event for each interested application service, unless this message was
     * stored before (a redelivery). Returns whether it stored anything.
     */
    public boolean store(String messageId, List<String> asIds, String eventJson) {
        if (em.find(ReceivedMessage.class, messageId) != null) {
            return false;
        }
        long now = clock.millis();
        em.persist(new ReceivedMessage(messageId, now));
        for (String asId : asIds) {
            em.persist(new PendingEvent(asId, eventJson, now));
        }
        return true;
    }

    /**
     * The transaction to send next to this application service: the unfinished one if there is one
     * (same id, same events), otherwise a new one of up to {@link #MAX_EVENTS} waiting events.
     * Empty when nothing waits, or when the application service is DOWN and this is not its recoverer.
     */
    public Optional<OutgoingTransaction> next(String asId, boolean recovering) {
        AppServiceState state = em.find(AppServiceState.class, asId);
        if (state != null && state.isDown() && !recovering) {
            return Optional.empty();
        }
        Long open = em.createNamedQuery("PendingEvent.openTxnId", Long.class)
                .setParameter("as", asId).getSingleResult();
        if (open != null) {
            return Optional.of(new OutgoingTransaction(asId, open, jsonOf(
                    em.createNamedQuery("PendingEvent.inTxn", PendingEvent.class)
                            .setParameter("as", asId).setParameter("txn", open).getResultList())));
        }
        List<PendingEvent> waiting = em.createNamedQuery("PendingEvent.waiting", PendingEvent.class)
                .setParameter("as", asId).setMaxResults(MAX_EVENTS).getResultList();
        if (waiting.isEmpty()) {
            return Optional.empty();
        }
        long txnId = lockedState(asId).allocateTxnId(clock.millis());
        waiting.forEach(e -> e.assignTo(txnId));
        return Optional.of(new OutgoingTransaction(asId, txnId, jsonOf(waiting)));
    }

    /** The application service accepted the transaction: its events are done. */
    public void complete(OutgoingTransaction txn) {
        em.createNamedQuery("PendingEvent.deleteTxn")
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
    }

    /**
     * Records a failed send: the application service is DOWN (if it was not already) and its
     * recoverer waits for the returned backoff step.
     */
    public int failed(String asId, String error, boolean progressedSinceLastFailure) {
        return lockedState(asId).failed(error, clock.millis(), progressedSinceLastFailure);
    }

    public void retryAt(String asId, Duration delay) {
        lockedState(asId).retryAt(clock.millis() + delay.toMillis());
    }

    public void up(String asId) {
        lockedState(asId).up();
    }

    /** Makes sure each of these application services has a state row (UP for a new one). */
    public void ensureStates(List<String> asIds) {
        for (String asId : asIds) {
            if (em.find(AppServiceState.class, asId) == null) {
                em.persist(new AppServiceState(asId));
            }
        }
    }

    public boolean hasEvents(String asId) {
        return !em.createNamedQuery("PendingEvent.anyFor", Long.class)
                .setParameter("as", asId).setMaxResults(1).getResultList().isEmpty();
    }

    public Optional<AppServiceState> state(String asId) {
        return Optional.ofNullable(em.find(AppServiceState.class, asId));
    }

    public List<AppServiceState> states() {
        return em.createNamedQuery("AppServiceState.all", AppServiceState.class).getResultList();
    }

    /** Pending events per application service id, including ids no longer registered. */
    public Map<String, Long> pendingCounts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Object[] row : em.createNamedQuery("PendingEvent.countByAs", Object[].class).getResultList()) {
            counts.put((String) row[0], ((Number) row[1]).longValue());
        }
        return counts;
    }

    /** Forgets message ids older than the retention; their redelivery can no longer happen. */
    public int forgetMessagesBefore(Duration retention) {
        return em.createNamedQuery("ReceivedMessage.deleteOlderThan")
                .setParameter("before", clock.millis() - retention.toMillis()).executeUpdate();
    }

    private AppServiceState lockedState(String asId) {
        AppServiceState state = em.find(AppServiceState.class, asId, LockModeType.PESSIMISTIC_WRITE);
        if (state == null) {
            state = new AppServiceState(asId);
            em.persist(state);
        }
        return state;
    }

    private static List<String> jsonOf(List<PendingEvent> events) {
        return events.stream().map(PendingEvent::eventJson).toList();
    }
}
