package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.DeliveryFixture;
import appservice.delivery.it.Health;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An external, standalone Artemis broker ({@code delivery.broker.embedded=false}) killed with SIGKILL in
 * the middle of a stream of events and started again: the service keeps running, says it is not ready
 * while the broker is gone, reconnects by itself, and every event arrives once, each room in order.
 */
class BrokerOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(10);

    @Test
    void externalBrokerKilledAndRestartedLosesNothing() throws Exception {
        Ledger ledger = new Ledger();
        int events = Math.max(2_000, Faults.EVENTS / 5);
        try (CountingAppService a = new CountingAppService("a");
             CountingAppService b = new CountingAppService("b")) {
            Map<String, String> urls = new LinkedHashMap<>();
            List.of(a, b).forEach(as -> urls.put(as.id(), as.url()));
            Path dir = ServiceProcess.prepare("faults-broker", urls);
            try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker")).start();
                 ServiceProcess service = new ServiceProcess(dir, Map.of(
                         "DELIVERY_BROKER_EMBEDDED", "false",
                         "DELIVERY_BROKER_URL", broker.url()))) {
                service.start();
                Traffic traffic = new Traffic(ledger, broker.url(), List.of("a", "b"), events, 10, events / 40).start();
                RecordingAppService.await(() -> traffic.published() >= events / 4, Duration.ofMinutes(2),
                        () -> "published " + traffic.published());
                int deliveredBefore = a.deliveredCount() + b.deliveredCount();
                long killedAt = System.nanoTime();
                broker.kill();
                RecordingAppService.await(() -> !Health.isReady(service.baseUrl()), OUTAGE,
                        () -> "still ready without its broker");
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - killedAt) / 1_000_000));
                assertTrue(service.isAlive(), "the service must outlive a broker outage");
                int publishedDuringOutage = traffic.published();
                broker.start();
                long restartedAt = System.nanoTime();
                RecordingAppService.await(() -> Health.isReady(service.baseUrl()), Duration.ofMinutes(2),
                        () -> "not ready again after the broker came back");
                long readyAfter = (System.nanoTime() - restartedAt) / 1_000_000;
                traffic.await(Duration.ofMinutes(10));
                ledger.awaitAndVerify(Duration.ofMinutes(5), List.of(a, b));
                assertTrue(service.isAlive(), "the service must outlive a broker outage");
                // The ids kept to recognise redeliveries go once the broker has the acknowledgement: what is left
                // is at most a batch per consumer whose commit the outage cut off (4 consumers of 500).
                long keptIds = DeliveryFixture.queryLong("SELECT COUNT(*) FROM received_message");
                assertTrue(keptIds <= 4 * 500, keptIds + " message ids kept after " + events + " messages were acknowledged");
                Faults.report("broker", "standalone Artemis killed (SIGKILL) for " + OUTAGE.toSeconds() + " s with "
                        + deliveredBefore + " delivered and " + publishedDuringOutage + " of " + events
                        + " published; consuming again " + readyAfter + " ms after the broker was back; "
                        + traffic.resends() + " batches re-published; " + ledger.publishedTotal() + " deliveries checked; "
                        + keptIds + " message ids kept at the end");
                service.stop();
            }
        }
    }
}
