package appservice.delivery.transactions;

import appservice.delivery.registrations.AppService;
import appservice.delivery.routing.Routed;
import appservice.delivery.routing.Router;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

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

    @Resource(lookup = "java:app/jdbc/delivery")
    DataSource dataSource;

    Clock clock = Clock.systemUTC();

    private volatile Dialect dialect;

    /** The persistence provider does not give its connection (see {@link #connection}): Hibernate. */
    private volatile boolean providerRefusesUnwrap;

    /** Per application service, the kinds of item its transactions are cut from (see {@link #kindsOf}). */
    private final Map<String, List<String>> kindsByAs = new ConcurrentHashMap<>();

    /** The statements that differ between PostgreSQL and H2. */
    private record Dialect(String recordIfNew, String nextId, Optional<String> planForTheValues, boolean sendsTogether,
            Optional<String> databaseMillis, String seen) {

        static Dialect of(Connection connection) throws SQLException {
            if (connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres")) {
                return new Dialect("INSERT INTO received_message (message_id, received_at) VALUES (?, ?)"
                        + " ON CONFLICT (message_id) DO NOTHING", "nextval('pending_event_seq')",
                        Optional.of("SET LOCAL plan_cache_mode = force_custom_plan"), true,
                        Optional.of("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"),
                        "INSERT INTO delivery_instance (id, seen_at, incarnation) VALUES (?, ?, ?) ON CONFLICT (id)"
                                + " DO UPDATE SET seen_at = EXCLUDED.seen_at, incarnation = EXCLUDED.incarnation");
            }
            // H2 is embedded: one instance's own database, so its clock is the instance's.
            return new Dialect("MERGE INTO received_message r USING (SELECT CAST(? AS VARCHAR(255)) message_id,"
                    + " CAST(? AS BIGINT) received_at) m ON r.message_id = m.message_id"
                    + " WHEN NOT MATCHED THEN INSERT (message_id, received_at) VALUES (m.message_id, m.received_at)",
                    "NEXT VALUE FOR pending_event_seq", Optional.empty(), false, Optional.empty(),
                    "MERGE INTO delivery_instance (id, seen_at, incarnation) KEY (id) VALUES (?, ?, ?)");
        }
    }

    /**
     * Stores the items of several messages in this one database transaction, skipping a message stored
     * before (a redelivery), and the records of the batch's refused messages (each once: a redelivered one
     * adds nothing). Returns how many messages it stored.
     *
     * <p>The records are in the batch's transaction so that a database outage holds them with the batch
     * (see {@code Ingest}) rather than give the whole batch back to the broker.
     *
     * <p>Plain JDBC in the same transaction: each item's id comes from the sequence inside its INSERT, so
     * the whole group is one batch of statements and ids still follow arrival order, across instances too.
     * A message is recognised by inserting its id only if new (no SELECT first): on a table that grows
     * fast, PostgreSQL planned that SELECT from stale statistics and scanned the whole table.
     */
    public int storeAll(List<IncomingMessage> messages, List<RefusedMessage> refused) {
        for (RefusedMessage message : refused) {
            if (em.createNamedQuery("DeadLetter.byMessage", DeadLetter.class).setParameter("message", message.messageId())
                    .getResultList().isEmpty()) {
                em.persist(DeadLetter.message(message, clock.millis()));
            }
        }
        if (messages.isEmpty()) {
            return 0;
        }
        try (TxConnection tx = connection()) {
            Connection connection = tx.jdbc();
            Dialect sql = dialect(connection);
            long now = clock.millis();
            int[] recorded;
            try (PreparedStatement received = connection.prepareStatement(sql.recordIfNew())) {
                for (IncomingMessage message : messages) {
                    received.setString(1, message.messageId());
                    received.setLong(2, now);
                    received.addBatch();
                }
                recorded = received.executeBatch();
            }
            int stored = 0;
            try (PreparedStatement item = connection.prepareStatement("INSERT INTO pending_event"
                    + " (id, as_id, kind, event_json, received_at) VALUES (" + sql.nextId() + ", ?, ?, ?, ?)")) {
                for (int i = 0; i < messages.size(); i++) {
                    if (recorded[i] == 0) {
                        continue; // stored before: a redelivery
                    }
                    if (recorded[i] != 1) {
                        throw new IllegalStateException("the database did not say whether message "
                                + messages.get(i).messageId() + " is new (update count " + recorded[i]
                                + "; is reWriteBatchedInserts on?)");
                    }
                    for (Routed routed : messages.get(i).items()) {
                        item.setString(1, routed.service().id());
                        item.setString(2, routed.kind());
                        item.setString(3, routed.json());
                        item.setLong(4, now);
                        item.addBatch();
                    }
                    stored++;
                }
                if (stored > 0) {
                    item.executeBatch();
                }
            }
            return stored;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store " + messages.size() + " messages: " + e.getMessage(), e);
        }
    }

    /**
     * The JDBC connection of this transaction, which the persistence unit's work is on too: what is done on
     * it commits or rolls back with the rest. Payara gives it through the standard EntityManager.unwrap (a
     * connection taken from the data source is not in the transaction there: each statement would commit
     * on its own); Hibernate refuses that unwrap, and on WildFly a connection from the data source is the
     * transaction's. Which of the two works is found once.
     */
    private TxConnection connection() throws SQLException {
        TxConnection connection = null;
        if (!providerRefusesUnwrap) {
            try {
                connection = new TxConnection(em.unwrap(Connection.class), false);
            } catch (PersistenceException e) {
                providerRefusesUnwrap = true;
            }
        }
        if (connection == null) {
            connection = new TxConnection(dataSource.getConnection(), true);
        }
        if (connection.jdbc().getAutoCommit()) {
            connection.close();
            throw new IllegalStateException("the connection is not in the transaction: nothing done");
        }
        return connection;
    }

    /** A connection of this transaction; closing it gives back a handle taken from the data source. */
    private record TxConnection(Connection jdbc, boolean handle) implements AutoCloseable {

        @Override
        public void close() throws SQLException {
            if (handle) {
                jdbc.close(); // the connection stays in the transaction until it ends
            }
        }
    }

    private Dialect dialect(Connection connection) throws SQLException {
        if (dialect == null) {
            dialect = Dialect.of(connection);
        }
        return dialect;
    }

    /**
     * Who sends, and under which lease: the owner and the lease's generation, which grows each time the
     * lease is taken. What comes of a PUT (delivered, failed, refused) is recorded only while the lease is
     * still the one the transaction was sent under: an instance whose lease went to another one and came
     * back while its PUT was in flight must not act on it, for the other one may have delivered that
     * transaction and cut the next from the same items meanwhile.
     */
    public record Fence(String instanceId, long generation) {
    }

    /** This instance sends for the application service now, under this lease: the transaction to send, if any. */
    public record Turn(Fence fence, Optional<OutgoingTransaction> txn) {
    }

    /**
     * The transaction to send next to this application service: the unfinished one if there is one
     * (same id, same body), otherwise a new one of the oldest waiting items, as many as {@code batch} says,
     * or none when nothing waits. Empty when this instance does not send for it now: another instance holds
     * its lease, it is paused, or it is DOWN and this is not its recoverer.
     *
     * <p>The sending runs once per transaction, so it is plain JDBC on the persistence unit's connection
     * (through EclipseLink, finding and locking the state and the transaction took a quarter of the
     * sending's time with 20 application services), and its statements go {@link #together}: the state
     * locked and read, the unfinished transaction and the waiting items in one round trip, then the new
     * transaction stored in another.
     */
    public Optional<Turn> next(AppService as, boolean recovering, Batch batch, String instanceId) {
        try (TxConnection tx = connection()) {
            Connection connection = tx.jdbc();
            List<SendingState> state = new ArrayList<>(1);
            List<OutgoingTransaction> unfinished = new ArrayList<>(1);
            List<Waiting> items = new ArrayList<>();
            List<Step> steps = new ArrayList<>();
            steps.add(lockState(as.id(), state));
            steps.add(Step.query("SELECT txn_id, body, item_ids FROM appservice_txn WHERE as_id = ?"
                    + " ORDER BY txn_id FETCH FIRST 1 ROWS ONLY",
                    row -> unfinished.add(new OutgoingTransaction(as.id(), row.getLong(1), row.getString(2),
                            ids(row.getArray(3)))), as.id()));
            steps.addAll(waiting(connection, as, batch, items));
            together(connection, steps);
            if (state.isEmpty()) {
                createState(as.id());
                return next(as, recovering, batch, instanceId);
            }
            SendingState current = state.get(0);
            if (!current.sends(recovering, instanceId)) {
                return Optional.empty();
            }
            Fence fence = new Fence(instanceId, current.leaseGeneration());
            if (!unfinished.isEmpty()) {
                return Optional.of(new Turn(fence, Optional.of(unfinished.get(0))));
            }
            return Optional.of(new Turn(fence, cut(connection, as, current.lastTxnId(), batch, items)));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot find the next txn of AS " + as.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A delivered transaction's items by kind, and the transaction to send after it, if any; {@code fenced}
     * when nothing was recorded because the lease is no longer the one it was sent under.
     */
    public record Completed(Map<String, Long> itemsByKind, Optional<OutgoingTransaction> next, boolean fenced) {
    }

    /**
     * The application service accepted the transaction: its items are done, and the next transaction is
     * cut in the same database transaction. An application service has at most one unfinished
     * transaction (one is cut only when none is left, and only under the lease it is completed under), so
     * with this one gone there is none to look for. The counts, the lock, the deletes and the next items
     * go {@link #together}, after the deletes; each change holds only under the transaction's
     * {@link Fence}, and nothing is changed when it does not.
     */
    public Completed complete(OutgoingTransaction txn, Fence fence, AppService as, boolean recovering, Batch batch) {
        String asId = txn.asId();
        String fenced = " AND EXISTS (SELECT 1 FROM appservice_state f WHERE f.as_id = ? AND f.lease_owner = ?"
                + " AND f.lease_generation = ?)";
        try (TxConnection tx = connection()) {
            Connection connection = tx.jdbc();
            Map<String, Long> byKind = txn.itemsByKind().isEmpty() ? kindsIn(connection, txn) : txn.itemsByKind();
            List<SendingState> state = new ArrayList<>(1);
            List<Waiting> items = new ArrayList<>();
            List<Step> steps = new ArrayList<>();
            steps.add(Step.update("UPDATE appservice_state SET sent_txns = sent_txns + 1, sent_items = sent_items + ?"
                    + " WHERE as_id = ? AND lease_owner = ? AND lease_generation = ?", (long) txn.itemCount(), asId,
                    fence.instanceId(), fence.generation()));
            steps.add(lockState(asId, state));
            steps.add(Step.update("DELETE FROM pending_event WHERE id = ANY(?)" + fenced, txn.itemIds(), asId,
                    fence.instanceId(), fence.generation()));
            steps.add(Step.update("DELETE FROM appservice_txn WHERE as_id = ? AND txn_id = ?" + fenced, asId,
                    txn.txnId(), asId, fence.instanceId(), fence.generation()));
            steps.addAll(waiting(connection, as, batch, items));
            together(connection, steps);
            if (state.isEmpty()) {
                throw new IllegalStateException("AS " + asId + " has no state row"); // made by next(), never deleted
            }
            SendingState current = state.get(0);
            if (!current.holds(fence)) {
                return new Completed(Map.of(), Optional.empty(), true);
            }
            Optional<OutgoingTransaction> next = current.sends(recovering, fence.instanceId())
                    ? cut(connection, as, current.lastTxnId(), batch, items) : Optional.empty();
            return new Completed(byKind, next, false);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot complete txn " + txn.txnId() + " of AS " + asId + ": "
                    + e.getMessage(), e);
        }
    }

    /** What the sending needs of an application service's state, read with its row locked. */
    private record SendingState(boolean down, boolean paused, long lastTxnId, String leaseOwner, long leaseGeneration) {

        /**
         * Whether this instance sends now. Only the lease's owner does: another instance takes the lease
         * only once it has run out, and with the row locked, so an instance that lost it stops here.
         */
        boolean sends(boolean recovering, String instanceId) {
            return instanceId.equals(leaseOwner) && !paused && (!down || recovering);
        }

        /** Whether the lease is still the one a transaction was sent under. */
        boolean holds(Fence fence) {
            return fence.instanceId().equals(leaseOwner) && fence.generation() == leaseGeneration;
        }
    }

    /** Locks the application service's state row and reads it into {@code state} (nothing if there is none). */
    private static Step lockState(String asId, List<SendingState> state) {
        return Step.query("SELECT state, paused, last_txn_id, lease_owner, lease_generation FROM appservice_state"
                + " WHERE as_id = ? FOR UPDATE", row -> state.add(new SendingState(AppServiceState.State.DOWN.name()
                        .equals(row.getString(1)), row.getBoolean(2), row.getLong(3), row.getString(4), row.getLong(5))),
                asId);
    }

    private void createState(String asId) {
        em.persist(new AppServiceState(asId));
        em.flush();
    }

    /**
     * A new transaction of the oldest waiting items, stored with its body and its items' ids before it is
     * sent. Its id is above every id handed out before and never below the clock, so that a wiped database
     * does not reuse an id the application service has already seen.
     *
     * <p>Called only when the application service has no unfinished transaction, so every item it has is
     * waiting. The items are not marked: the transaction's row lists them. Marking each one was an UPDATE
     * of every item, with its index entries, for each transaction (over a quarter of the sending's time).
     */
    private Optional<OutgoingTransaction> cut(Connection connection, AppService as, long lastTxnId, Batch batch,
            List<Waiting> waiting) throws SQLException {
        if (waiting.isEmpty()) {
            return Optional.empty();
        }
        waiting.sort(Comparator.comparingLong(Waiting::id));
        List<Waiting> items = batch.alone() ? waiting.subList(0, 1) : waiting;
        long now = clock.millis();
        long txnId = Math.max(lastTxnId + 1, now);
        String body = TransactionBody.build(items.stream().map(Waiting::item).toList(), as);
        long[] ids = items.stream().mapToLong(Waiting::id).toArray();
        together(connection, List.of(
                Step.update("UPDATE appservice_state SET last_txn_id = ? WHERE as_id = ?", txnId, as.id()),
                Step.update("INSERT INTO appservice_txn (as_id, txn_id, body, item_count, item_ids, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?)", as.id(), txnId, body, items.size(), ids, now)));
        Map<String, Long> byKind = new TreeMap<>();
        items.forEach(item -> byKind.merge(item.item().kind(), 1L, Long::sum));
        return Optional.of(new OutgoingTransaction(as.id(), txnId, body, ids, byKind));
    }

    private record Waiting(long id, Item item) {
    }

    /**
     * The first {@code batch.perKind()} items of each kind the application service has, in arrival order, in
     * one query: each kind's part reads its first items from the index (as_id, kind, id) and stops. Only
     * the kinds it can have are read (for most, events alone): PostgreSQL plans the query for each
     * transaction, and planning the five kinds took longer than running the query.
     *
     * <p>It orders by all three columns, though two are fixed: H2 uses an index for the order only when
     * the order names the index's columns from the first; ordered by id alone, it read and sorted the whole
     * backlog of the application service for each transaction (11.5 ms instead of 0.3 ms a query at
     * 200,000 waiting).
     *
     * <p>On PostgreSQL the query is planned for its values each time. A prepared statement gets a generic
     * plan after five runs, one for any application service and kind: with one application service it
     * walked the primary key in id order, which for a kind with nothing waiting read the whole table
     * (220 ms a kind with 1,000,000 waiting, so a backlog drained at about 100 events/s).
     */
    private List<Step> waiting(Connection connection, AppService as, Batch batch, List<Waiting> items)
            throws SQLException {
        List<String> kinds = kindsOf(connection, as);
        String perKind = "(SELECT id, kind, event_json FROM pending_event WHERE as_id = ? AND kind = ?"
                + " ORDER BY as_id, kind, id FETCH FIRST " + batch.perKind() + " ROWS ONLY)";
        List<Object> params = new ArrayList<>();
        for (String kind : kinds) {
            params.add(as.id());
            params.add(kind);
        }
        Step query = new Step(String.join(" UNION ALL ", Collections.nCopies(kinds.size(), perKind)), params,
                row -> items.add(new Waiting(row.getLong(1), new Item(row.getString(2), row.getString(3)))));
        Optional<String> planForTheValues = dialect(connection).planForTheValues();
        return planForTheValues.isPresent() ? List.of(Step.update(planForTheValues.get()), query) : List.of(query);
    }

    /** Reads one row of a query's result. */
    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    /** A statement with its parameters, and, for one that returns rows, what to do with each. */
    private record Step(String sql, List<Object> params, RowReader rows) {

        static Step update(String sql, Object... params) {
            return new Step(sql, List.of(params), null);
        }

        static Step query(String sql, RowReader rows, Object... params) {
            return new Step(sql, List.of(params), rows);
        }
    }

    /**
     * Runs these statements in order, in this transaction: in one round trip to PostgreSQL (its driver sends
     * the statements of one prepared statement together, and they run one after the other), one by one on
     * H2, which runs in this process. With 20 application services a transaction carries about 10 events,
     * and a statement a round trip cost the database three times as much per event as with one: most of
     * it in handing each statement over between the two processes.
     */
    private void together(Connection connection, List<Step> steps) throws SQLException {
        if (dialect(connection).sendsTogether()) {
            run(connection, steps);
        } else {
            for (Step step : steps) {
                run(connection, List.of(step));
            }
        }
    }

    /** Runs these statements as one prepared statement, and reads each one's result in turn. */
    private static void run(Connection connection, List<Step> steps) throws SQLException {
        String sql = String.join(";\n", steps.stream().map(Step::sql).toList());
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int index = 1;
            for (Step step : steps) {
                for (Object param : step.params()) {
                    bind(connection, statement, index++, param);
                }
            }
            boolean rows = statement.execute();
            for (int i = 0; i < steps.size(); i++) {
                if (i > 0) {
                    rows = statement.getMoreResults();
                }
                read(statement, rows, steps.get(i));
            }
            if (statement.getMoreResults() || statement.getUpdateCount() != -1) {
                throw new IllegalStateException("the database answered more than the statements: " + sql);
            }
        }
    }

    private static void read(PreparedStatement statement, boolean rows, Step step) throws SQLException {
        // Results out of step with the statements would be read as the wrong statement's.
        if (rows != (step.rows() != null) || !rows && statement.getUpdateCount() == -1) {
            throw new IllegalStateException("the database answered " + (rows ? "rows" : "no rows") + " to: " + step.sql());
        }
        if (rows) {
            try (ResultSet result = statement.getResultSet()) {
                while (result.next()) {
                    step.rows().read(result);
                }
            }
        }
    }

    private static void bind(Connection connection, PreparedStatement statement, int index, Object param)
            throws SQLException {
        if (param instanceof long[] ids) {
            statement.setArray(index, array(connection, ids));
        } else {
            statement.setObject(index, param);
        }
    }

    /**
     * The kinds of item an application service can have: those its registration asks for, and any other
     * it had items of when this process first cut a transaction for it (stored under an earlier
     * registration; they go out as they would have). Items of other kinds are never stored for it.
     */
    private List<String> kindsOf(Connection connection, AppService as) throws SQLException {
        List<String> known = kindsByAs.get(as.id());
        if (known != null) {
            return known;
        }
        List<String> wanted = Router.kindsFor(as);
        List<String> kinds = new ArrayList<>();
        try (PreparedStatement any = connection.prepareStatement(
                "SELECT id FROM pending_event WHERE as_id = ? AND kind = ? FETCH FIRST 1 ROWS ONLY")) {
            for (String kind : Item.KINDS) {
                if (!wanted.contains(kind)) {
                    any.setString(1, as.id());
                    any.setString(2, kind);
                    try (ResultSet row = any.executeQuery()) {
                        if (!row.next()) {
                            continue;
                        }
                    }
                }
                kinds.add(kind);
            }
        }
        kindsByAs.put(as.id(), List.copyOf(kinds));
        return kinds;
    }

    private static Array array(Connection connection, long[] ids) throws SQLException {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
        }
        return connection.createArrayOf("bigint", boxed);
    }

    /** The ids an unfinished transaction lists; none for one converted from an earlier schema without items. */
    private static long[] ids(Array array) throws SQLException {
        if (array == null) {
            return new long[0];
        }
        Object[] values = (Object[]) array.getArray();
        long[] ids = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            ids[i] = ((Number) values[i]).longValue();
        }
        return ids;
    }

    private static Map<String, Long> kindsIn(Connection connection, OutgoingTransaction txn) throws SQLException {
        Map<String, Long> byKind = new TreeMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT kind, COUNT(*) FROM pending_event WHERE id = ANY(?) GROUP BY kind")) {
            query.setArray(1, array(connection, txn.itemIds()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    byKind.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return byKind;
    }

    /**
     * The application service refused the transaction as too large: its id is never used again. Its
     * items wait again (with the transaction gone, nothing holds them), to go out in smaller transactions;
     * a single item refused alone becomes a dead letter instead. Returns the dead letter, if it came to that;
     * empty as well when the lease is no longer the one the transaction was sent under ({@code fenced}: nothing
     * changed).
     */
    public Abandoned abandonTooLarge(OutgoingTransaction txn, Fence fence, String reason) {
        if (!lockedState(txn.asId()).holds(fence)) {
            return new Abandoned(Optional.empty(), true);
        }
        Optional<DeadLetter> dead = Optional.empty();
        if (txn.itemCount() == 1) {
            PendingEvent item = em.find(PendingEvent.class, txn.itemIds()[0]);
            DeadLetter letter = DeadLetter.item(txn.asId(), item.item(), reason, clock.millis());
            em.persist(letter);
            em.remove(item);
            dead = Optional.of(letter);
        }
        em.createNamedQuery("AppServiceTxn.delete")
                .setParameter("as", txn.asId()).setParameter("txn", txn.txnId()).executeUpdate();
        return new Abandoned(dead, false);
    }

    /** What became of a transaction refused as too large. */
    public record Abandoned(Optional<DeadLetter> deadLetter, boolean fenced) {
    }

    public long deadLetterCount() {
        return em.createNamedQuery("DeadLetter.count", Long.class).getSingleResult();
    }

    public List<DeadLetter> deadLetters(int offset, int limit) {
        return em.createNamedQuery("DeadLetter.all", DeadLetter.class)
                .setFirstResult(offset).setMaxResults(limit).getResultList();
    }

    public Optional<DeadLetter> deadLetter(long id) {
        return Optional.ofNullable(em.find(DeadLetter.class, id));
    }

    /**
     * The dead letter, locked until the caller's transaction ends (which must be open: {@code MANDATORY}):
     * a second caller waits, and then finds it only if the first left it there.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<DeadLetter> lockDeadLetter(long id) {
        return Optional.ofNullable(em.find(DeadLetter.class, id, LockModeType.PESSIMISTIC_WRITE));
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

    /**
     * Per application service, when its oldest waiting item arrived (epoch ms); none for one with nothing
     * waiting. Each kind's first item is read from the index (as_id, kind, id), planned for its values as
     * in {@link #waiting}, so it costs the same whatever the backlog: the minimum over the table it
     * replaces read the whole backlog (with 1,000,000 waiting: 9 s on H2, 0.5 s on PostgreSQL).
     */
    public Map<String, Long> oldestPending(List<AppService> services) {
        try (TxConnection tx = connection()) {
            Connection connection = tx.jdbc();
            Optional<String> planForTheValues = dialect(connection).planForTheValues();
            if (planForTheValues.isPresent()) {
                try (PreparedStatement plan = connection.prepareStatement(planForTheValues.get())) {
                    plan.execute();
                }
            }
            Map<String, Long> oldest = new TreeMap<>();
            try (PreparedStatement first = connection.prepareStatement("SELECT received_at FROM pending_event"
                    + " WHERE as_id = ? AND kind = ? ORDER BY as_id, kind, id FETCH FIRST 1 ROWS ONLY")) {
                for (AppService as : services) {
                    for (String kind : kindsOf(connection, as)) {
                        first.setString(1, as.id());
                        first.setString(2, kind);
                        try (ResultSet row = first.executeQuery()) {
                            if (row.next()) {
                                oldest.merge(as.id(), row.getLong(1), Math::min);
                            }
                        }
                    }
                }
            }
            return oldest;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the oldest waiting items: " + e.getMessage(), e);
        }
    }

    /**
     * How many items wait for this application service: a count of its entries in the index (as_id, kind,
     * id), which takes time in proportion to its backlog.
     */
    public long pendingCount(String asId) {
        return ((Number) em.createNativeQuery("SELECT COUNT(*) FROM pending_event WHERE as_id = ?")
                .setParameter(1, asId).getSingleResult()).longValue();
    }

    /**
     * Records a failed send: the application service is DOWN (if it was not already) and its recoverer
     * retries after the returned wait, which is stored with the state.
     */
    public Optional<Duration> failed(String asId, Fence fence, String error, boolean progressedSinceLastFailure,
            Duration backoffMax) {
        AppServiceState state = lockedState(asId);
        if (!state.holds(fence)) {
            return Optional.empty(); // its lease changed hands meanwhile: its holder sends now, and decides
        }
        return Optional.of(state.failed(error, clock.millis(), progressedSinceLastFailure, backoffMax));
    }

    /**
     * Brings a DOWN application service's next retry forward to now, for whichever instance sends for it;
     * false if it is UP.
     */
    public boolean retryNow(String asId) {
        AppServiceState state = lockedState(asId);
        if (!state.isDown()) {
            return false;
        }
        state.retryAt(clock.millis());
        return true;
    }

    /** The application service is UP again; returns how long it was DOWN (empty: its lease changed hands). */
    public Optional<Duration> up(String asId, Fence fence) {
        AppServiceState state = lockedState(asId);
        if (!state.holds(fence)) {
            return Optional.empty();
        }
        Long since = state.downSince();
        state.up();
        return Optional.of(since == null ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - since)));
    }

    /**
     * The database's clock, epoch ms: every instance measures leases by it, so their own clocks need
     * not agree. H2 is embedded, one instance's own: there the instance's clock.
     */
    public long databaseMillis() {
        try (TxConnection tx = connection()) {
            Optional<String> query = dialect(tx.jdbc()).databaseMillis();
            if (query.isEmpty()) {
                return clock.millis();
            }
            try (PreparedStatement statement = tx.jdbc().prepareStatement(query.get());
                 ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the database's clock: " + e.getMessage(), e);
        }
    }

    /** Which process wrote an instance id's heartbeat last ({@code incarnation}, null before there was one), and when. */
    public record Heartbeat(String incarnation, long seenAt) {
    }

    /** The heartbeat of this instance id; empty if it has none (never seen, or it left). */
    public Optional<Heartbeat> heartbeat(String instanceId) {
        List<?> rows = em.createNativeQuery("SELECT incarnation, seen_at FROM delivery_instance WHERE id = ?")
                .setParameter(1, instanceId).getResultList();
        return rows.stream().map(row -> (Object[]) row)
                .map(row -> new Heartbeat((String) row[0], ((Number) row[1]).longValue())).findFirst();
    }

    /**
     * This instance (this process of it, {@code incarnation}) is alive at {@code now}; returns how many
     * instances were seen since {@code since}.
     */
    public int seen(String instanceId, String incarnation, long now, long since) {
        try (TxConnection tx = connection()) {
            try (PreparedStatement statement = tx.jdbc().prepareStatement(dialect(tx.jdbc()).seen())) {
                statement.setString(1, instanceId);
                statement.setLong(2, now);
                statement.setString(3, incarnation);
                statement.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record instance " + instanceId + ": " + e.getMessage(), e);
        }
        // Instances gone without a word (killed) are forgotten once they no longer count as alive.
        em.createNativeQuery("DELETE FROM delivery_instance WHERE seen_at < ?").setParameter(1, since).executeUpdate();
        return ((Number) em.createNativeQuery("SELECT COUNT(*) FROM delivery_instance").getSingleResult()).intValue();
    }

    /** Extends this instance's leases to {@code until}; returns the application services it holds. */
    public Set<String> renewLeases(String instanceId, long until) {
        em.createNativeQuery("UPDATE appservice_state SET lease_until = ? WHERE lease_owner = ?")
                .setParameter(1, until).setParameter(2, instanceId).executeUpdate();
        return Set.copyOf(strings(em.createNativeQuery("SELECT as_id FROM appservice_state WHERE lease_owner = ?")
                .setParameter(1, instanceId).getResultList()));
    }

    /** The application services whose lease nobody holds or has run out at {@code now}. */
    public List<String> freeLeases(long now) {
        return strings(em.createNativeQuery("SELECT as_id FROM appservice_state WHERE lease_owner IS NULL"
                + " OR lease_until < ?").setParameter(1, now).getResultList());
    }

    /** Takes the lease if it is still free at {@code now}; the row lock makes it one instance's only. */
    public boolean takeLease(String asId, String instanceId, long now, long until) {
        // A new generation: what was sent under the previous one is no longer to be acted on (see Fence).
        return em.createNativeQuery("UPDATE appservice_state SET lease_owner = ?, lease_until = ?,"
                + " lease_generation = lease_generation + 1 WHERE as_id = ?"
                + " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)")
                .setParameter(1, instanceId).setParameter(2, until).setParameter(3, asId)
                .setParameter(4, instanceId).setParameter(5, now).executeUpdate() == 1;
    }

    /** Gives the lease up, for another instance to take at once. */
    public void releaseLease(String asId, String instanceId) {
        em.createNativeQuery("UPDATE appservice_state SET lease_owner = NULL, lease_until = NULL"
                + " WHERE as_id = ? AND lease_owner = ?").setParameter(1, asId).setParameter(2, instanceId)
                .executeUpdate();
    }

    /**
     * This instance stops: its leases are free at once, but for those of {@code keep} (they run out by
     * themselves), and it no longer counts as alive.
     */
    public void leave(String instanceId, Set<String> keep) {
        for (String asId : strings(em.createNativeQuery("SELECT as_id FROM appservice_state WHERE lease_owner = ?")
                .setParameter(1, instanceId).getResultList())) {
            if (!keep.contains(asId)) {
                releaseLease(asId, instanceId);
            }
        }
        em.createNativeQuery("DELETE FROM delivery_instance WHERE id = ?").setParameter(1, instanceId).executeUpdate();
    }

    private static List<String> strings(List<?> rows) {
        return rows.stream().map(String::valueOf).toList();
    }

    /** Makes sure each of these application services has a state row (UP for a new one). */
    public void ensureStates(List<String> asIds) {
        for (String asId : asIds) {
            if (em.find(AppServiceState.class, asId) == null) {
                em.persist(new AppServiceState(asId));
            }
        }
    }

    /** Removes every item stored for this application service, and its unfinished transaction; returns how many items. */
    public int forgetItemsOf(String asId) {
        em.createNativeQuery("DELETE FROM appservice_txn WHERE as_id = ?").setParameter(1, asId).executeUpdate();
        return em.createNativeQuery("DELETE FROM pending_event WHERE as_id = ?").setParameter(1, asId).executeUpdate();
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

    /**
     * Forgets these message ids: the broker has taken their acknowledgement (a consumer's commit succeeded),
     * so it can no longer redeliver them. Returns how many were there.
     */
    public int forgetMessages(List<String> messageIds) {
        try (TxConnection tx = connection();
             PreparedStatement delete = tx.jdbc().prepareStatement("DELETE FROM received_message WHERE message_id = ANY(?)")) {
            delete.setArray(1, tx.jdbc().createArrayOf("varchar", messageIds.toArray()));
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot forget " + messageIds.size() + " message ids: " + e.getMessage(), e);
        }
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
