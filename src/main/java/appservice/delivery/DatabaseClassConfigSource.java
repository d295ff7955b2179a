package appservice.delivery;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Lets a {@code jdbc:postgresql:} URL alone switch the database: derives the data source class the
 * container needs ({@code delivery.db.datasource-class}) from {@code delivery.db.url} as set in the
 * environment or system properties. An explicit {@code delivery.db.datasource-class} still wins.
 */
public class DatabaseClassConfigSource implements ConfigSource {

    static final String KEY = "delivery.db.datasource-class";

    @Override
    public Set<String> getPropertyNames() {
        return getValue(KEY) == null ? Set.of() : Set.of(KEY);
    }

    @Override
    public String getValue(String propertyName) {
        if (!KEY.equals(propertyName)) {
            return null;
        }
        String url = System.getProperty("delivery.db.url", System.getenv("DELIVERY_DB_URL"));
        return url != null && url.startsWith("jdbc:postgresql:") ? "org.postgresql.ds.PGSimpleDataSource" : null;
    }

    @Override
    public Map<String, String> getProperties() {
        String value = getValue(KEY);
        return value == null ? Map.of() : Map.of(KEY, value);
    }

    @Override
    public int getOrdinal() {
        return 200; // above the defaults file (100), below environment (300) and system properties (400)
    }

    @Override
    public String getName() {
        return "delivery database class";
    }
}
