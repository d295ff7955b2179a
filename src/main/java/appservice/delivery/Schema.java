package appservice.delivery;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The database schema, created at startup where it is missing. Plain SQL that H2 and PostgreSQL both
 * understand, so the same statements serve the embedded default and production.
 */
public final class Schema {

    /** {@code %TEXT%} stands for the database's unbounded text type. */
    private static final List<String> STATEMENTS = List.of(
            "CREATE SEQUENCE IF NOT EXISTS pending_event_seq START WITH 1 INCREMENT BY 1",
            "CREATE TABLE IF NOT EXISTS pending_event ("
                    + " id BIGINT NOT NULL PRIMARY KEY,"
                    + " as_id VARCHAR(255) NOT NULL,"
                    + " kind VARCHAR(16) DEFAULT 'event' NOT NULL,"
                    + " event_json VARCHAR(1048576) NOT NULL,"
                    + " received_at BIGINT NOT NULL)",
            // Databases made before items had kinds (events only).
            "ALTER TABLE pending_event ADD COLUMN IF NOT EXISTS kind VARCHAR(16) DEFAULT 'event' NOT NULL",
            // The next transaction's items, per kind, in order: the index gives them in id order, so the
            // first 100 are read and no more. Without the kind, a kind with nothing waiting read the whole
            // backlog (a 1,000,000 backlog drained at ~100/s); with txn_id between kind and id, PostgreSQL
            // (IS NULL is no equality for ordering) read and sorted all waiting items of the kind for each
            // transaction, so the sending slowed down as its backlog grew.
            "DROP INDEX IF EXISTS pending_event_waiting",
            "CREATE INDEX IF NOT EXISTS pending_event_next ON pending_event (as_id, kind, id)",
            "CREATE TABLE IF NOT EXISTS appservice_txn ("
                    + " as_id VARCHAR(255) NOT NULL,"
                    + " txn_id BIGINT NOT NULL,"
                    + " body %TEXT% NOT NULL,"
                    + " item_count INTEGER NOT NULL,"
                    + " item_ids BIGINT ARRAY NOT NULL,"
                    + " created_at BIGINT NOT NULL,"
                    + " PRIMARY KEY (as_id, txn_id))",
            "CREATE TABLE IF NOT EXISTS appservice_state ("
                    + " as_id VARCHAR(255) NOT NULL PRIMARY KEY,"
                    + " state VARCHAR(16) NOT NULL,"
                    + " last_txn_id BIGINT NOT NULL,"
                    + " backoff_step INTEGER NOT NULL,"
                    + " next_retry_at BIGINT,"
                    + " down_since BIGINT,"
                    + " last_error VARCHAR(2000))",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS paused BOOLEAN DEFAULT FALSE NOT NULL",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS last_error_at BIGINT",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS sent_txns BIGINT DEFAULT 0 NOT NULL",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS failed_txns BIGINT DEFAULT 0 NOT NULL",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS sent_items BIGINT DEFAULT 0 NOT NULL",
            // Which instance sends for the application service, until when (epoch ms of the database's
            // clock): see appservice.delivery.sending.Leases.
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(255)",
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS lease_until BIGINT",
            // Grows each time the lease is taken: the fence of what was sent under it (Transactions.Fence).
            "ALTER TABLE appservice_state ADD COLUMN IF NOT EXISTS lease_generation BIGINT DEFAULT 0 NOT NULL",
            "CREATE TABLE IF NOT EXISTS delivery_instance ("
                    + " id VARCHAR(255) NOT NULL PRIMARY KEY,"
                    + " seen_at BIGINT NOT NULL)",
            // Which process of the instance wrote its heartbeat (two processes with one id must not both send).
            "ALTER TABLE delivery_instance ADD COLUMN IF NOT EXISTS incarnation VARCHAR(64)",
            "CREATE TABLE IF NOT EXISTS received_message ("
                    + " message_id VARCHAR(255) NOT NULL PRIMARY KEY,"
                    + " received_at BIGINT NOT NULL)",
            // Ids are forgotten once their message is acknowledged, never by age (Ingest.acknowledged).
            "DROP INDEX IF EXISTS received_message_age",
            "CREATE SEQUENCE IF NOT EXISTS dead_letter_seq START WITH 1 INCREMENT BY 1",
            // A dead letter is an item an application service refused alone (as_id set), or a message
            // that could not be used at all (kind 'message', message_id set, its body in item_json).
            "CREATE TABLE IF NOT EXISTS dead_letter ("
                    + " id BIGINT NOT NULL PRIMARY KEY,"
                    + " as_id VARCHAR(255),"
                    + " message_id VARCHAR(255),"
                    + " group_id VARCHAR(255),"
                    + " kind VARCHAR(16) NOT NULL,"
                    + " item_json %TEXT% NOT NULL,"
                    + " reason VARCHAR(2000) NOT NULL,"
                    + " created_at BIGINT NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS dead_letter_message ON dead_letter (message_id)",
            // A refused message's body is kept only up to 64 KiB (the whole is on the dead-letter queue), with
            // the whole body's length and hash. Rows made before hold whole bodies (body_length NULL).
            "ALTER TABLE dead_letter ADD COLUMN IF NOT EXISTS body_length BIGINT",
            "ALTER TABLE dead_letter ADD COLUMN IF NOT EXISTS body_sha256 VARCHAR(64)",
            "ALTER TABLE dead_letter ADD COLUMN IF NOT EXISTS body_truncated BOOLEAN DEFAULT FALSE NOT NULL");

    /**
     * Databases made while each item was marked with its transaction ({@code pending_event.txn_id}): the
     * unfinished transactions get the list of their items, then the marks go. Run only where the column
     * is there, since on H2 adding or dropping a column copies the table.
     */
    private static final List<String> ITEMS_LISTED_BY_TRANSACTION = List.of(
            "ALTER TABLE appservice_txn ADD COLUMN IF NOT EXISTS item_ids BIGINT ARRAY",
            "UPDATE appservice_txn t SET item_ids = (SELECT ARRAY_AGG(e.id ORDER BY e.id) FROM pending_event e"
                    + " WHERE e.as_id = t.as_id AND e.txn_id = t.txn_id) WHERE item_ids IS NULL",
            "DROP INDEX IF EXISTS pending_event_as_order",
            "ALTER TABLE pending_event DROP COLUMN txn_id");

    /** The advisory lock instances take on PostgreSQL while they create the schema (any number of their own). */
    private static final long SCHEMA_LOCK = 7_262_017_731L;

    private Schema() {
    }

    /** Creates what is missing of the schema (the benchmark makes its raw stage's table with it too). */
    public static void create(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            if (postgres) {
                // Instances starting together on one database: CREATE ... IF NOT EXISTS is not safe against
                // another instance doing the same at the same moment.
                statement.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
            }
            try {
                create(connection, statement, postgres ? "TEXT" : "CLOB");
            } finally {
                if (postgres) {
                    statement.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
                }
            }
        }
    }

    private static void create(Connection connection, Statement statement, String text) throws SQLException {
        for (String sql : STATEMENTS) {
            statement.execute(sql.replace("%TEXT%", text));
        }
        if (hasColumn(connection, "pending_event", "txn_id")) {
            for (String sql : ITEMS_LISTED_BY_TRANSACTION) {
                statement.execute(sql);
            }
        }
        if (!connection.getAutoCommit()) {
            connection.commit(); // PostgreSQL's DDL is transactional
        }
    }

    private static boolean hasColumn(Connection connection, String table, String column) throws SQLException {
        // In the schema the service uses only. H2 keeps unquoted names in upper case, PostgreSQL in lower case.
        for (String[] names : List.of(new String[] {table, column},
                new String[] {table.toUpperCase(Locale.ROOT), column.toUpperCase(Locale.ROOT)})) {
            try (ResultSet columns = connection.getMetaData().getColumns(null, connection.getSchema(), names[0], names[1])) {
                if (columns.next()) {
                    return true;
                }
            }
        }
        return false;
    }
}
