package appservice.delivery.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Prepares what the service finds when it starts for a test class: a clean data directory and
 * database, and the registrations of the class's {@link AppServices}, each with a recording
 * application service. Register it before Arquillian's extension, which starts the service.
 */
public class DeliveryFixture implements BeforeAllCallback, AfterAllCallback {

    private static final Map<String, RecordingAppService> SERVICES = new LinkedHashMap<>();

    public static final Path IT_DIR = Path.of(System.getProperty("it.dir", "target/it"));

    /** With -Pwildfly one server, and its broker, serves every test class in turn. */
    static final boolean SHARED_SERVER = "wildfly".equals(System.getProperty("arquillian.launch"));

    public static RecordingAppService appService(String id) {
        RecordingAppService service = SERVICES.get(id);
        if (service == null) {
            throw new IllegalArgumentException("no application service " + id + " in @AppServices");
        }
        return service;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        closeAll();
        awaitPreviousServiceGone();
        wipe(IT_DIR.resolve("data"));
        wipe(IT_DIR.resolve("registrations"));
        wipeDatabase();
        Files.createDirectories(IT_DIR.resolve("registrations"));
        AppServices wanted = context.getRequiredTestClass().getAnnotation(AppServices.class);
        for (String spec : wanted == null ? new String[0] : wanted.value()) {
            String[] parts = spec.split("\\|");
            String id = parts[0];
            RecordingAppService service = new RecordingAppService(id,
                    java.util.Arrays.asList(wanted.slowLinks()).contains(id));
            SERVICES.put(id, service);
            String[] extraLines = java.util.Arrays.copyOfRange(parts, 1, parts.length);
            Files.writeString(IT_DIR.resolve("registrations").resolve(id + ".yaml"),
                    registration(id, service.url(), extraLines));
        }
    }

    /**
     * Runs after Arquillian has undeployed the class's WAR. On Payara Micro the process goes, and with it
     * the broker whose journal the next class wipes. WildFly's server and broker stay for the whole run, so
     * what the class left on its queues is taken off them here, for the next class to start empty.
     */
    @Override
    public void afterAll(ExtensionContext context) {
        closeAll();
        if (SHARED_SERVER) {
            try (Publisher publisher = new Publisher()) {
                publisher.drain(Publisher.QUEUE, Duration.ofSeconds(2));
                publisher.drain(Publisher.QUEUE + ".DLQ", Duration.ZERO);
            }
        }
    }

    /** A registration; an extra line {@code url: ...} replaces the URL, others are added as they are. */
    public static String registration(String id, String url, String... extraLines) {
        StringBuilder extra = new StringBuilder();
        for (String line : extraLines) {
            if (line.startsWith("url:")) {
                url = line.substring("url:".length()).trim();
            } else {
                extra.append(line).append("\n");
            }
        }
        return "id: " + id + "\n"
                + "url: " + url + "\n"
                + extra
                + "as_token: as-" + id + "\n"
                + "hs_token: hs-" + id + "\n"
                + "sender_localpart: " + id + "_bot\n"
                + "namespaces:\n"
                + "  users:\n"
                + "    - exclusive: true\n"
                + "      regex: '@" + id + "_.*'\n"
                + "  aliases: []\n"
                + "  rooms: []\n";
    }

    private static void closeAll() {
        SERVICES.values().forEach(RecordingAppService::close);
        SERVICES.clear();
    }

    /**
     * Arquillian stops the previous class's Payara Micro without waiting for it to exit; while it shuts
     * down, its timers can still open the database, which would then be wiped under it or kept open by it.
     * (WildFly's server stays, with the previous class's WAR undeployed.)
     */
    private static void awaitPreviousServiceGone() throws InterruptedException {
        String dataDir = "-Ddelivery.data.dir=" + IT_DIR.resolve("data");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .anyMatch(line -> line.contains("payara-micro") && line.contains(dataDir))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a service on " + IT_DIR.resolve("data") + " still runs after 60 s");
            }
            Thread.sleep(100);
        }
    }

    public static void wipe(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs a statement on the tests' database, as an operator (or another instance) would beside the service:
     * PostgreSQL only (H2 is the service's own, inside its process). Returns the update count.
     */
    public static int sql(String statement) {
        String url = System.getProperty("it.db.url", "");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalStateException("the service's H2 database cannot be reached from the test");
        }
        try (Connection connection = DriverManager.getConnection(url, System.getProperty("it.db.user"),
                System.getProperty("it.db.password")); Statement s = connection.createStatement()) {
            return s.executeUpdate(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    /** The number a query on the tests' database gives (PostgreSQL only, as {@link #sql}). */
    public static long queryLong(String query) {
        String url = System.getProperty("it.db.url", "");
        try (Connection connection = DriverManager.getConnection(url, System.getProperty("it.db.user"),
                System.getProperty("it.db.password")); Statement s = connection.createStatement();
             ResultSet row = s.executeQuery(query)) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }

    /** PostgreSQL keeps its tables between runs; H2's live in the data directory wiped above. */
    static void wipeDatabase() throws SQLException {
        String url = System.getProperty("it.db.url", "");
        if (!url.startsWith("jdbc:postgresql:")) {
            return;
        }
        try (Connection connection = DriverManager.getConnection(url, System.getProperty("it.db.user"),
                System.getProperty("it.db.password")); Statement statement = connection.createStatement()) {
            // Everything the service created, whatever the schema has grown to.
            List<String> drops = new ArrayList<>();
            try (ResultSet tables = statement.executeQuery("SELECT 'DROP TABLE IF EXISTS ' || quote_ident(tablename)"
                    + " || ' CASCADE' FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")) {
                while (tables.next()) {
                    drops.add(tables.getString(1));
                }
            }
            try (ResultSet sequences = statement.executeQuery("SELECT 'DROP SEQUENCE IF EXISTS ' || quote_ident(sequencename)"
                    + " FROM pg_sequences WHERE schemaname = 'public' AND sequenceowner = current_user")) {
                while (sequences.next()) {
                    drops.add(sequences.getString(1));
                }
            }
            for (String drop : drops) {
                statement.execute(drop);
            }
        }
    }
}
