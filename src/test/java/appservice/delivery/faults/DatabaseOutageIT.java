package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import appservice.delivery.it.Health;
import appservice.delivery.it.Http;
import appservice.delivery.it.Publisher;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import jakarta.jms.Message;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped for 10 s in the middle of a stream of events and started again: the service keeps
 * running, says it is not ready while the database is gone (naming the database, without the error's
 * text), reconnects by itself and catches up, with every event delivered once and each room in order.
 */
class DatabaseOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(10);

    @Test
    void postgresStoppedForTenSecondsAndStartedAgainLosesNothing() throws Exception {
        assumeTrue(System.getProperty("it.db.url", "").startsWith("jdbc:postgresql:"),
                "stops the local PostgreSQL cluster: runs with -Pfaults (PostgreSQL)");
        Ledger ledger = new Ledger();
        int events = Math.max(2_000, Faults.EVENTS / 5);
        try (CountingAppService a = new CountingAppService("a");
             CountingAppService b = new CountingAppService("b")) {
            Map<String, String> urls = new LinkedHashMap<>();
            List.of(a, b).forEach(as -> urls.put(as.id(), as.url()));
            try (ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-database", urls), Map.of())) {
                service.start();
                // Spread over about 40 s, so that the outage falls in the middle of the stream.
                Traffic traffic = new Traffic(ledger, service.brokerUrl(), List.of("a", "b"), events, 10,
                        events / 40).start();
                RecordingAppService.await(() -> traffic.published() >= events / 4, Duration.ofMinutes(2),
                        () -> "published " + traffic.published());
                int deliveredBefore = a.deliveredCount() + b.deliveredCount();
                long stoppedAt = System.nanoTime();
                try {
                    cluster("stop");
                    RecordingAppService.await(() -> !Health.isReady(service.baseUrl()), OUTAGE,
                            () -> "still ready without its database");
                    // Which part fails, not why: the reason is in the log only.
                    String down = Http.send("GET", service.baseUrl() + "health/ready", null, null).body();
                    assertTrue(down.contains("\"database\":\"unreachable\""), down);
                    for (String reason : List.of("PSQL", "Exception", "onnect", "refused")) {
                        assertFalse(down.contains(reason), "/health/ready shows why: " + down);
                    }
                    Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - stoppedAt) / 1_000_000));
                    assertTrue(service.isAlive(), "the service must outlive a database outage");
                } finally {
                    cluster("start");
                }
                int publishedDuringOutage = traffic.published();
                RecordingAppService.await(() -> Health.isReady(service.baseUrl()), Duration.ofMinutes(2),
                        () -> "not ready again after the database came back");
                long readyAfter = (System.nanoTime() - stoppedAt) / 1_000_000 - OUTAGE.toMillis();
                traffic.await(Duration.ofMinutes(10));
                ledger.awaitAndVerify(Duration.ofMinutes(5), List.of(a, b));
                assertTrue(service.isAlive(), "the service must outlive a database outage");
                Faults.report("database", "PostgreSQL stopped " + OUTAGE.toSeconds() + " s with " + deliveredBefore
                        + " delivered and " + publishedDuringOutage + " of " + events + " published; ready again "
                        + readyAfter + " ms after the restart; " + ledger.publishedTotal() + " deliveries checked");
                service.stop();
            }
        }
    }

    /**
     * Poison messages published during the outage, between good ones of several rooms: each is one dead letter
     * (one record, one copy on the dead-letter queue) afterwards, and every good message is delivered once
     * and in its room's order. The record of a poison message is stored with its batch, so the outage holds
     * it with the batch; before, it was stored on its own, failed, and gave the whole batch back to the
     * broker, which brought it back behind later messages of its rooms.
     */
    @Test
    void poisonDuringAnOutageIsOneDeadLetterEachAndTheRoomsKeepTheirOrder() throws Exception {
        assumeTrue(System.getProperty("it.db.url", "").startsWith("jdbc:postgresql:"),
                "stops the local PostgreSQL cluster: runs with -Pfaults (PostgreSQL)");
        int rooms = 10;
        Ledger ledger = new Ledger();
        List<String> poison = new ArrayList<>();
        try (CountingAppService a = new CountingAppService("a");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-database-poison",
                     Map.of("a", a.url())), Map.of("DELIVERY_ADMIN_TOKEN", "outage-admin-token"))) {
            service.start();
            int[] n = {0};
            try (Publisher publisher = service.publisher()) {
                Runnable good = () -> {
                    int room = n[0] % rooms;
                    String eventId = Ledger.eventId(room, n[0]++);
                    publisher.publish(Traffic.envelope(eventId, Ledger.roomId(room), "a", List.of()), Ledger.roomId(room));
                    ledger.published(eventId, List.of("a"));
                };
                for (int i = 0; i < 200; i++) {
                    good.run();
                }
                RecordingAppService.await(() -> a.deliveredCount() >= 200, Duration.ofMinutes(2),
                        () -> "delivered " + a.deliveredCount() + " of 200 before the outage");
                long stoppedAt = System.nanoTime();
                try {
                    cluster("stop");
                    RecordingAppService.await(() -> !Health.isReady(service.baseUrl()), OUTAGE,
                            () -> "still ready without its database");
                    // In rounds, so that the consumers take batches with poison in them while the database is gone.
                    for (int round = 0; round < 8; round++) {
                        for (int i = 0; i < 50; i++) {
                            if (i % 10 == 3) {
                                poison.add(publisher.publish("not json " + round + "/" + i, Ledger.roomId(n[0] % rooms)));
                            } else {
                                good.run();
                            }
                        }
                        Thread.sleep(500);
                    }
                    Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - stoppedAt) / 1_000_000));
                    assertTrue(service.isAlive(), "the service must outlive a database outage");
                } finally {
                    cluster("start");
                }
                for (int i = 0; i < 200; i++) {
                    good.run();
                }
                RecordingAppService.await(() -> Health.isReady(service.baseUrl()), Duration.ofMinutes(2),
                        () -> "not ready again after the database came back");
                ledger.awaitAndVerify(Duration.ofMinutes(5), List.of(a));

                Map<String, Integer> copies = new HashMap<>();
                for (Message copy; (copy = publisher.nextDeadLetter(Duration.ofSeconds(5))) != null; ) {
                    copies.merge(copy.getStringProperty("original_message_id"), 1, Integer::sum);
                }
                assertEquals(poison.stream().collect(Collectors.toMap(id -> id, id -> 1)), copies,
                        "one copy of each poison message on the dead-letter queue");
            }
            JsonObject letters = Json.createReader(new StringReader(Http.send("GET", service.baseUrl()
                    + "api/dead-letters?limit=500", "Bearer outage-admin-token", null).body())).readObject();
            List<String> recorded = letters.getJsonArray("items").getValuesAs(JsonObject.class).stream()
                    .map(l -> l.getString("message_id")).sorted().toList();
            assertEquals(poison.stream().sorted().toList(), recorded, "one dead letter for each poison message");
            assertEquals(poison.size(), letters.getInt("total"));
            assertTrue(service.isAlive(), "the service must outlive a database outage");
            Faults.report("database-poison", "PostgreSQL stopped " + OUTAGE.toSeconds() + " s while " + poison.size()
                    + " poison messages came among " + ledger.publishedTotal() + " good ones in " + rooms
                    + " rooms: each one dead letter, the rooms in order");
            service.stop();
        }
    }

    /** {@code pg_ctlcluster <version> main stop|start} on this machine's one cluster. */
    static void cluster(String action) throws IOException, InterruptedException {
        String version;
        try (Stream<Path> versions = Files.list(Path.of("/etc/postgresql"))) {
            version = versions.map(p -> p.getFileName().toString()).sorted().reduce((x, y) -> y).orElseThrow();
        }
        Process process = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new AssertionError("pg_ctlcluster " + action + " failed: " + output);
        }
    }
}
