package appservice.delivery.transactions;

import appservice.delivery.registrations.AppService;
import appservice.delivery.routing.Routed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The database side of delivery: stores incoming items per application service, cuts them into
 * transactions, forgets delivered ones, and keeps each application service's UP/DOWN state.
 * Every public method is one database transaction.
 */
@ApplicationScoped
@Transactional
public class Transactions {

    @PersistenceContext(unitName = "delivery")
    EntityManager em;

    Clock clock = Clock.systemUTC();

    private volatile String nextIdSql;

    /**
     * Stores the items of several messages in this one database transaction, skipping a message stored
     * before (a redelivery). Returns how many messages it stored.
     *
     * <p>Plain JDBC in the same transaction: each item's id comes from the sequence inside its INSERT, so
     * the whole group is one batch of statements and ids still follow arrival order, across instances too.
     */
    public int storeAll(List<IncomingMessage> messages) {
        try {
            // The persistence unit's own connection, in this transaction. A connection taken from the
            // DataSource here is not enlisted on Payara: each statement would commit on its own.
            Connection connection = em.unwrap(Connection.class);
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("the connection is not in the transaction: nothing stored");
            }
            Set<String> storedBefore = alreadyReceived(connection, messages);
            long now = clock.millis();
            int stored = 0;
            try (PreparedStatement received = connection.prepareStatement(
                         "INSERT INTO received_message (message_id, received_at) VALUES (?, ?)");
                 PreparedStatement item = connection.prepareStatement("INSERT INTO pending_event"
                         + " (id, as_id, kind, event_json, received_at) VALUES (" + nextId(connection) + ", ?, ?, ?, ?)")) {
                for (IncomingMessage message : messages) {
                    if (!storedBefore.add(message.messageId())) {
                        continue;
                    }
                    received.setString(1, message.messageId());
                    received.setLong(2, now);
                    received.addBatch();
                    for (Routed routed : message.items()) {
                        item.setString(1, routed.service().id());
                        item.setString(2, routed.kind());
                        item.setString(3, routed.json());
                        item.setLong(4, now);
                        item.addBatch();
                    }
                    stored++;
                }
                if (stored > 0) {
                    received.executeBatch();
                    item.executeBatch();
                }
            }
            return stored;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store " + messages.size() + " messages: " + e.getMessage(), e);
        }
    }

    private static Set<String> alreadyReceived(Connection connection, List<IncomingMessage> messages)
            throws SQLException {
        Set<String> found = new HashSet<>();
        String marks = String.join(",", Collections.nCopies(messages.size(), "?"));
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT message_id FROM received_message WHERE message_id IN (" + marks + ")")) {
            for (int i = 0; i < messages.size(); i++) {
                query.setString(i + 1, messages.get(i).messageId());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
        }
        return found;
    }

    private String nextId(Connection connection) throws SQLException {
        if (nextIdSql == null) {
            nextIdSql = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres")
                    ? "nextval('pending_event_seq')" : "NEXT VALUE FOR pending_event_seq";
        }
        return nextIdSql;
    }

    /**
     * The transaction to send next to this application service: the unfinished one if there is one
     * (same id, same body), otherwise a new one of up to {@code limitPerKind} waiting items of each kind.
     * Empty when nothing waits, or when the application service is DOWN and this is not its recoverer.
     */
    public Optional<OutgoingTransaction> next(AppService as, boolean recovering, int limitPerKind) {
        String asId = as.id();
        AppServiceState state = em.find(AppServiceState.class, asId);
        if (state != null && (state.isPaused() || state.isDown() && !recovering)) {
            return Optional.empty();
        }
        List<AppServiceTxn> open = em.createNamedQuery("AppServiceTxn.oldest", AppServiceTxn.class)
                .setParameter("as", asId).setMaxResults(1).getResultList();
        if (!open.isEmpty()) {
            return Optional.of(open.get(0).outgoing());
        }
        List<PendingEvent> waiting = new ArrayList<>();
        for (String kind : Item.KINDS) {
            // Read-only: the items are not changed through these objects, so none is tracked for changes.
            waiting.addAll(em.createNamedQuery("PendingEvent.waiting", PendingEvent.class)
                    .setParameter("as", asId).setParameter("kind", kind)
                    .setHint("eclipselink.read-only", "true")
                    .setMaxResults(limitPerKind).getResultList());
        }
        if (waiting.isEmpty()) {
            return Optional.empty();
        }
        waiting.sort(Comparator.comparing(PendingEvent::id));
        List<PendingEvent> items = Batch.take(waiting, PendingEvent::kind, limitPerKind);
        long now = clock.millis();
        long txnId = lockedState(asId).allocateTxnId(now);
        int assigned = assign(items, txnId);
        if (assigned != items.size()) {
            throw new IllegalStateException(items.size() - assigned + " of the " + items.size()
                    + " items cut for txn " + txnId + " of AS " + asId + " already belong to a transaction");
        }
        String body = TransactionBody.build(items.stream().map(PendingEvent::item).toList(), as);
        AppServiceTxn txn = new AppServiceTxn(asId, txnId, body, items.size(), now);
        em.persist(txn);
        return Optional.of(txn.outgoing());
    }

    /**
     * Puts the items into the transaction with one statement, only items that belong to none yet. Plain
     * JDBC on the persistence unit's connection: the same UPDATE in JPQL had EclipseLink match every
     * object of the transaction against the id list afterwards, a tenth of the sending's time.
     */
    private int assign(List<PendingEvent> items, long txnId) {
        String marks = String.join(",", Collections.nCopies(items.size(), "?"));
        try (PreparedStatement update = em.unwrap(Connection.class).prepareStatement(
                "UPDATE pending_event SET txn_id = ? WHERE txn_id IS NULL AND id IN (" + marks + ")")) {
            update.setLong(1, txnId);
            for (int i = 0; i < items.size(); i++) {
                update.setLong(i + 2, items.get(i).id());
            }
            return update.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot cut txn " + txnId + ": " + e.getMessage(), e);
        }
    }

    /** The application service accepted the transaction: its items are done. Returns their count by kind. */
    public Map<String, Long> complete(OutgoingTransaction txn) {
        lockedState(txn.asId()).delivered(txn.itemCount());
        Map<String, Long> byKind = new TreeMap<>();
        for (Object[] row : em.createNamedQuery("PendingEvent.kindsInTxn", Object[].class)
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).getResultList()) {
            byKind.put((String) row[0], ((Number) row[1]).longValue());
        }
        em.createNamedQuery("PendingEvent.deleteTxn")
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
        em.createNamedQuery("AppServiceTxn.delete")
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
        return byKind;
    }

    /**
     * The application service refused the transaction as too large: its id is never used again. Its
     * items wait again, to go out in smaller transactions; a single item refused alone becomes a dead
     * letter instead. Returns the dead letter, if it came to that.
     */
    public Optional<DeadLetter> abandonTooLarge(OutgoingTransaction txn, String reason) {
        Optional<DeadLetter> dead = Optional.empty();
        if (txn.itemCount() == 1) {
            PendingEvent item = em.createNamedQuery("PendingEvent.inTxn", PendingEvent.class)
                    .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).getSingleResult();
            DeadLetter letter = DeadLetter.item(txn.asId(), item.item(), reason, clock.millis());
            em.persist(letter);
            em.remove(item);
            dead = Optional.of(letter);
        } else {
            em.createNamedQuery("PendingEvent.releaseTxn")
                    .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
        }
        em.createNamedQuery("AppServiceTxn.delete")
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
        return dead;
    }

    public long deadLetterCount() {
        return em.createNamedQuery("DeadLetter.count", Long.class).getSingleResult();
    }

    /** A message that can never be used, once (a redelivery of the same message adds nothing). */
    public void recordPoison(String messageId, String groupId, String body, String reason) {
        if (em.createNamedQuery("DeadLetter.byMessage", DeadLetter.class).setParameter("message", messageId)
                .getResultList().isEmpty()) {
            em.persist(DeadLetter.message(messageId, groupId, body, reason, clock.millis()));
        }
    }

    public List<DeadLetter> deadLetters(int offset, int limit) {
        return em.createNamedQuery("DeadLetter.all", DeadLetter.class)
                .setFirstResult(offset).setMaxResults(limit).getResultList();
    }

    public Optional<DeadLetter> deadLetter(long id) {
        return Optional.ofNullable(em.find(DeadLetter.class, id));
    }

    public void forgetDeadLetter(long id) {
        DeadLetter letter = em.find(DeadLetter.class, id);
        if (letter != null) {
            em.remove(letter);
        }
    }

    /** Pauses or resumes sending to an application service; its items keep being stored either way. */
    public void pause(String asId, boolean paused) {
        lockedState(asId).pause(paused);
    }

    /** Per application service: the unfinished transaction's id. */
    public Map<String, Long> openTxnIds() {
        Map<String, Long> open = new TreeMap<>();
        for (Object[] row : em.createNamedQuery("AppServiceTxn.ids", Object[].class).getResultList()) {
            open.merge((String) row[0], ((Number) row[1]).longValue(), Math::min);
        }
        return open;
    }

    /** Per application service: when its oldest pending item arrived (epoch ms). */
    public Map<String, Long> oldestPending() {
        Map<String, Long> oldest = new TreeMap<>();
        for (Object[] row : em.createNamedQuery("PendingEvent.oldestByAs", Object[].class).getResultList()) {
            oldest.put((String) row[0], ((Number) row[1]).longValue());
        }
        return oldest;
    }

    /**
     * Records a failed send: the application service is DOWN (if it was not already) and its recoverer
     * retries after the returned wait, which is stored with the state.
     */
    public Duration failed(String asId, String error, boolean progressedSinceLastFailure, Duration backoffMax) {
        return lockedState(asId).failed(error, clock.millis(), progressedSinceLastFailure, backoffMax);
    }

    /** The application service is UP again; returns how long it was DOWN. */
    public Duration up(String asId) {
        AppServiceState state = lockedState(asId);
        Long since = state.downSince();
        state.up();
        return since == null ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - since));
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

}
