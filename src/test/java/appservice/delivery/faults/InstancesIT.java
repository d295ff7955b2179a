package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.DeliveryFixture;
import appservice.delivery.it.Publisher;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each instance is one process with an id of its own: two processes with one id never both send, and an
 * instance that stops hands its application services to the others only once its PUTs are done, so that no
 * application service ever has two transactions in flight. PostgreSQL, the packaged runtime.
 */
class InstancesIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void aSecondProcessWithTheSameInstanceIdRefusesToStart() throws Exception {
        try (CountingAppService.Group services = CountingAppService.Group.of(List.of("a"))) {
            Path first = ServiceProcess.prepare("faults-twin-1", services.urls());
            Path second = ServiceProcess.prepare("faults-twin-2", services.urls());
            // The operator gave both the same id (or copied one's data directory for the other).
            Map<String, String> sameId = Map.of("DELIVERY_INSTANCE_ID", "twin");
            try (ServiceProcess one = new ServiceProcess(first, sameId);
                 ServiceProcess two = new ServiceProcess(second, sameId)) {
                one.start();
                two.launch();
                assertNotEquals(0, two.awaitExit(TIMEOUT), "a second process as instance twin must not run");
                assertTrue(two.log().contains("another process runs as instance twin"), "it must say why:\n" + two.log());

                try (Publisher publisher = one.publisher()) {
                    for (String id : List.of("$1", "$2", "$3")) {
                        publisher.publish(Publisher.event(id, "!r:localhost", "@a_x:localhost"), "!r:localhost");
                    }
                }
                services.named("a").awaitDelivered(3);
                assertEquals(List.of("$1", "$2", "$3"), services.named("a").receipts().delivered());
                one.stop();
            }
        }
    }

    /**
     * A PUT whose lease went to another instance and came back while it was in flight: the other instance
     * delivered that transaction meanwhile and cut the next one from the items after it. When the PUT returns,
     * this instance must not complete it and cut again from the same items (they would go out twice, under two
     * ids): the lease's generation fences it off. The test plays the other instance with SQL beside the service.
     */
    @Test
    void aPutThatOutlivedItsLeaseIsNotActedOn() throws Exception {
        String now = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
        try (RecordingAppService f = new RecordingAppService("f");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-fence", f),
                     Map.of("DELIVERY_HTTP_READ_TIMEOUT", "PT2M"))) {
            service.start();
            f.hold();
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$f1", "!f:localhost", "@f_a:localhost"), "!f:localhost");
                f.awaitArrivals(1, TIMEOUT); // the first transaction, $f1 alone, is in flight until released
                publisher.publish(Publisher.event("$f2", "!f:localhost", "@f_a:localhost"), "!f:localhost");
                publisher.publish(Publisher.event("$f3", "!f:localhost", "@f_a:localhost"), "!f:localhost");
                RecordingAppService.await(() -> DeliveryFixture.queryLong(
                        "SELECT COUNT(*) FROM pending_event WHERE as_id = 'f'") == 3, TIMEOUT, () -> "not stored");

                // Another instance takes the lease, delivers the first transaction (as its own resend would), cuts
                // the next one from $f2 and $f3, and goes; the lease comes back to this instance at its next round.
                assertEquals(1, DeliveryFixture.sql("UPDATE appservice_state SET lease_owner = 'elsewhere', lease_until = "
                        + now + " + 3600000, lease_generation = lease_generation + 1 WHERE as_id = 'f'"));
                DeliveryFixture.sql("DELETE FROM pending_event e USING appservice_txn t WHERE t.as_id = 'f'"
                        + " AND e.id = ANY(t.item_ids)");
                DeliveryFixture.sql("DELETE FROM appservice_txn WHERE as_id = 'f'");
                assertEquals(1, DeliveryFixture.sql("INSERT INTO appservice_txn (as_id, txn_id, body, item_count, item_ids,"
                        + " created_at) SELECT 'f', s.last_txn_id + 1, '{\"events\":[' || string_agg(e.event_json, ','"
                        + " ORDER BY e.id) || ']}', COUNT(*), array_agg(e.id ORDER BY e.id), " + now
                        + " FROM pending_event e, appservice_state s WHERE e.as_id = 'f' AND s.as_id = 'f'"
                        + " GROUP BY s.last_txn_id"));
                DeliveryFixture.sql("UPDATE appservice_state SET last_txn_id = last_txn_id + 1, lease_owner = NULL,"
                        + " lease_until = NULL WHERE as_id = 'f'");
                RecordingAppService.await(() -> DeliveryFixture.queryLong("SELECT COUNT(*) FROM appservice_state"
                        + " WHERE as_id = 'f' AND lease_owner IS NOT NULL") == 1, TIMEOUT, () -> "the lease was not taken back");

                // The old PUT returns, accepted. The transaction the other instance cut must be the only one with $f2
                // and $f3, and go before what comes after it.
                f.release();
                RecordingAppService.await(() -> f.eventsOnce().size() >= 3, TIMEOUT,
                        () -> "got " + f.received());
                publisher.publish(Publisher.event("$f4", "!f:localhost", "@f_a:localhost"), "!f:localhost");
                RecordingAppService.await(() -> f.eventsOnce().size() >= 4, TIMEOUT,
                        () -> "got " + f.received());
                Thread.sleep(3000); // time for a wrong second copy to show up
                assertEquals(List.of("$f1", "$f2", "$f3", "$f4"), f.eventsOnce(),
                        "each event in one transaction, once, in order: " + f.received());
                assertTrue(service.log().contains("its lease changed hands while txn"), "the fence must have held");
            }
            service.stop();
        }
    }

    @Test
    void aStoppingInstanceKeepsItsLeaseUntilItsPutIsDone() throws Exception {
        try (CountingAppService.Group services = CountingAppService.Group.of(List.of("slow"))) {
            CountingAppService slow = services.named("slow");
            Path first = ServiceProcess.prepare("faults-stop-1", services.urls());
            Path second = ServiceProcess.prepare("faults-stop-2", services.urls());
            try (StandaloneBroker broker = new StandaloneBroker(first.resolve("broker")).start()) {
                // Leases of 40 s, renewed every 10 s: handed over at the stop, the lease goes within a round (10 s);
                // left to run out, not before 30 s.
                // A deadline well beyond the application service's 8 s, however loaded the machine.
                Map<String, String> shared = Map.of("DELIVERY_BROKER_EMBEDDED", "false", "DELIVERY_BROKER_URL", broker.url(),
                        "DELIVERY_LEASE_DURATION", "PT40S", "DELIVERY_HTTP_READ_TIMEOUT", "PT30S");
                try (ServiceProcess one = new ServiceProcess(first, shared);
                     ServiceProcess two = new ServiceProcess(second, shared);
                     Publisher publisher = new Publisher(broker.url())) {
                    one.start(); // it takes the only lease
                    two.start();
                    slow.delay(Duration.ofSeconds(8));
                    publisher.publish(Publisher.event("$1", "!r:localhost", "@slow_x:localhost"), "!r:localhost");
                    RecordingAppService.await(() -> slow.requests() >= 1, TIMEOUT, () -> "nothing sent");

                    // SIGTERM while that PUT is in flight. The instance finishes it, then hands the application
                    // service over at once: the other one sends what comes next, and never the first again.
                    long stopped = System.nanoTime();
                    one.stop();
                    slow.delay(Duration.ZERO);
                    publisher.publish(Publisher.event("$2", "!r:localhost", "@slow_x:localhost"), "!r:localhost");
                    slow.awaitDelivered(2);
                    long handedOverAfter = (System.nanoTime() - stopped) / 1_000_000;
                    Thread.sleep(3000); // time for a wrong second copy to show up

                    assertEquals(1, slow.mostInFlight(), "two transactions were in flight to one application service at once");
                    assertEquals(List.of("$1", "$2"), slow.receipts().delivered());
                    assertEquals(2, slow.requests(), "the first transaction was sent again: the stopping instance did not"
                            + " finish it before it left: " + slow.answered());
                    // Its lease was given back, not left to run out.
                    assertTrue(handedOverAfter < 24_000, "the other instance sent " + handedOverAfter + " ms after the stop began");
                    assertEquals(List.of(), slow.receipts().transactionsWithTwoContents());
                    Faults.report("instances", "stopped with a PUT in flight: handed over " + handedOverAfter
                            + " ms after the stop, each transaction sent once");
                    two.stop();
                }
            }
        }
    }
}
