package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Broker availability for several instances: an Artemis primary/backup pair on a shared store, with the
 * instances' and the producer's clients configured to fail over ({@code ha=true}, reconnecting without
 * limit). The primary is killed with SIGKILL in the middle of a stream of events; the backup takes its
 * journal over, two instances carry on through it, and every event arrives once, each room in order.
 */
class BrokerFailoverIT {

    @Test
    void thePrimaryKilledTheInstancesCarryOnThroughTheBackup() throws Exception {
        Ledger ledger = new Ledger();
        int events = Math.max(4_000, Faults.EVENTS / 5);
        List<String> ids = List.of("a", "b", "c");
        try (CountingAppService.Group services = CountingAppService.Group.of(ids)) {
            Path first = ServiceProcess.prepare("faults-failover-1", services.urls());
            Path second = ServiceProcess.prepare("faults-failover-2", services.urls());
            try (StandaloneBroker.Pair brokers = StandaloneBroker.sharedStorePair(first.resolve("brokers"))) {
                brokers.primary().start();
                brokers.backup().start();
                Map<String, String> shared = Map.of("DELIVERY_BROKER_EMBEDDED", "false",
                        "DELIVERY_BROKER_URL", brokers.url());
                try (ServiceProcess one = new ServiceProcess(first, shared);
                     ServiceProcess two = new ServiceProcess(second, shared)) {
                    one.start();
                    two.start();
                    Traffic traffic = new Traffic(ledger, brokers.url(), ids, events, 10, events / 40).start();
                    RecordingAppService.await(() -> traffic.published() >= events / 4, Duration.ofMinutes(2),
                            () -> "published " + traffic.published());
                    int deliveredBefore = services.deliveredCount();
                    int publishedBefore = traffic.published();
                    long killedAt = System.nanoTime();
                    brokers.primary().kill();
                    brokers.awaitBackupActive(Duration.ofMinutes(1));
                    long backupActiveAfter = (System.nanoTime() - killedAt) / 1_000_000;
                    traffic.await(Duration.ofMinutes(10));
                    ledger.awaitAndVerify(Duration.ofMinutes(5), services.all());
                    assertTrue(one.isAlive() && two.isAlive(), "both instances must outlive the primary");
                    Faults.report("failover", "primary killed (SIGKILL) with " + deliveredBefore + " delivered and "
                            + publishedBefore + " of " + events + " published; the backup active after "
                            + backupActiveAfter + " ms; " + traffic.resends() + " batches re-published; "
                            + ledger.publishedTotal() + " deliveries checked through 2 instances");
                    one.stop();
                    two.stop();
                }
            }
        }
    }
}
