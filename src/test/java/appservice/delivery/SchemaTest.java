package appservice.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class SchemaTest {

    @Test
    void aDatabaseWhoseItemsWereMarkedWithTheirTransactionKeepsWhatItsUnfinishedTransactionCarries() throws SQLException {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:schema-test;DB_CLOSE_DELAY=-1");
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            // As the schema was before transactions listed their items.
            statement.execute("CREATE TABLE pending_event (id BIGINT NOT NULL PRIMARY KEY, as_id VARCHAR(255) NOT NULL,"
                    + " txn_id BIGINT, kind VARCHAR(16) DEFAULT 'event' NOT NULL, event_json VARCHAR(1048576) NOT NULL,"
                    + " received_at BIGINT NOT NULL)");
            statement.execute("CREATE INDEX pending_event_as_order ON pending_event (as_id, txn_id, id)");
            statement.execute("CREATE TABLE appservice_txn (as_id VARCHAR(255) NOT NULL, txn_id BIGINT NOT NULL,"
                    + " body CLOB NOT NULL, item_count INTEGER NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (as_id, txn_id))");
            statement.execute("INSERT INTO pending_event (id, as_id, txn_id, event_json, received_at) VALUES"
                    + " (3, 'bridge', 70, '{}', 0), (5, 'bridge', 70, '{}', 0), (6, 'bridge', NULL, '{}', 0),"
                    + " (4, 'bot', 80, '{}', 0)");
            statement.execute("INSERT INTO appservice_txn VALUES ('bridge', 70, '{\"events\":[{},{}]}', 2, 0),"
                    + " ('bot', 80, '{\"events\":[{}]}', 1, 0)");
        }

        Schema.create(dataSource);
        Schema.create(dataSource); // and again at the next start: nothing left to do

        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertArrayEquals(new long[] {3, 5}, itemIds(statement, "bridge"));
            assertArrayEquals(new long[] {4}, itemIds(statement, "bot"));
            try (ResultSet columns = connection.getMetaData().getColumns(null, null, "PENDING_EVENT", "TXN_ID")) {
                assertFalse(columns.next(), "pending_event.txn_id is gone");
            }
        }
    }

    private static long[] itemIds(Statement statement, String asId) throws SQLException {
        try (ResultSet row = statement.executeQuery("SELECT item_ids FROM appservice_txn WHERE as_id = '" + asId + "'")) {
            row.next();
            List<Long> ids = new ArrayList<>();
            for (Object id : (Object[]) row.getArray(1).getArray()) {
                ids.add(((Number) id).longValue());
            }
            return ids.stream().mapToLong(Long::longValue).toArray();
        }
    }
}
