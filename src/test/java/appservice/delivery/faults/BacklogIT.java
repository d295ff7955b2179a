package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.Admin;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A backlog of a million events (smaller in CI) for an application service that is DOWN, in a service
 * limited to a 512 MB heap: the database grows linearly with it, and when the application service
 * comes back the whole backlog drains, in order, with the heap never holding it.
 */
class BacklogIT {

    @Test
    void aMillionEventsForADownApplicationServiceWaitOnDiskAndDrainInOrder() throws Exception {
        Ledger ledger = new Ledger();
        int events = Faults.BACKLOG;
        try (CountingAppService as = new CountingAppService("big")) {
            as.down(true);
            Path dir = ServiceProcess.prepare("faults-backlog", Map.of(as.id(), as.url()));
            try (ServiceProcess service = new ServiceProcess(dir, Map.of(
                    "JAVA_OPTS", "-Xmx512m", "DELIVERY_BACKOFF_MAX", "PT5S"))) {
                service.start();
                long empty = databaseBytes(dir);
                long[] bytesAt = new long[4]; // at a quarter, half, three quarters and all of the backlog
                // What was stored when the size was taken: polled once a second, storing runs past the quarter.
                long[] storedAt = new long[4];
                long maxResident = 0;
                long start = System.nanoTime();
                Traffic traffic = new Traffic(ledger, service.brokerUrl(), List.of(as.id()), events, 500, 0).start();
                for (int quarter = 1; quarter <= 4; quarter++) {
                    int stored = events / 4 * quarter;
                    long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
                    while (Admin.pendingEvents(service.baseUrl(), as.id()) < stored) {
                        assertTrue(service.isAlive(), "the service died:\n" + tail(service.log()));
                        assertTrue(System.nanoTime() < deadline, "only " + Admin.pendingEvents(service.baseUrl(), as.id())
                                + " of " + stored + " events stored after an hour");
                        maxResident = Math.max(maxResident, service.residentBytes());
                        Thread.sleep(1000);
                    }
                    bytesAt[quarter - 1] = databaseBytes(dir) - empty;
                    storedAt[quarter - 1] = Admin.pendingEvents(service.baseUrl(), as.id());
                }
                traffic.await(Duration.ofMinutes(5));
                long storeSeconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000);
                // Linear: the second half costs about what the first half did.
                double firstHalf = (double) bytesAt[1] / storedAt[1];
                double secondHalf = (double) (bytesAt[3] - bytesAt[1]) / Math.max(1, storedAt[3] - storedAt[1]);
                assertTrue(secondHalf < 2 * firstHalf && secondHalf > firstHalf / 2,
                        "the database should grow linearly: " + firstHalf + " then " + secondHalf + " bytes per event");

                as.down(false);
                long drainStart = System.nanoTime();
                while (as.deliveredCount() < events) {
                    assertTrue(service.isAlive(), "the service died while draining:\n" + tail(service.log()));
                    assertTrue(System.nanoTime() - drainStart < Duration.ofMinutes(60).toNanos(),
                            "drained only " + as.deliveredCount() + " of " + events + " in an hour");
                    maxResident = Math.max(maxResident, service.residentBytes());
                    Thread.sleep(1000);
                }
                double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                Thread.sleep(3000);
                ledger.verify(as);
                assertFalse(service.log().contains("OutOfMemoryError"), "the service ran out of memory");
                RecordingAppService.await(() -> "UP".equals(Admin.state(service.baseUrl(), as.id())),
                        Duration.ofMinutes(1), () -> "not UP after draining");
                Faults.report("backlog", events + " events stored for a DOWN AS in " + storeSeconds + " s ("
                        + events / storeSeconds + "/s); database +" + bytesAt[0] / 1_048_576 + ", +"
                        + bytesAt[1] / 1_048_576 + ", +" + bytesAt[2] / 1_048_576 + ", +" + bytesAt[3] / 1_048_576
                        + " MB at each quarter (" + Math.round(firstHalf) + " then " + Math.round(secondHalf)
                        + " bytes/event); drained in order in " + Math.round(drainSeconds) + " s ("
                        + Math.round(events / drainSeconds) + " events/s); -Xmx512m, resident at most "
                        + maxResident / 1_048_576 + " MB");
                service.stop();
            }
        }
    }

    /** The database's size: PostgreSQL's own count, or the H2 files under the data directory. */
    private static long databaseBytes(Path dir) throws SQLException, IOException {
        String url = System.getProperty("it.db.url", "");
        if (url.startsWith("jdbc:postgresql:")) {
            try (Connection connection = DriverManager.getConnection(url, System.getProperty("it.db.user"),
                    System.getProperty("it.db.password"));
                 Statement statement = connection.createStatement();
                 ResultSet size = statement.executeQuery("SELECT pg_database_size(current_database())")) {
                size.next();
                return size.getLong(1);
            }
        }
        try (Stream<Path> files = Files.walk(dir.resolve("data").resolve("db"))) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }
}
