package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the packaged runtime on one PostgreSQL and one standalone broker, sharing five
 * application services and 20,000 events; one of them is killed with SIGKILL in the middle. Both send
 * while both run; the survivor takes the dead one's application services within 30 s (the lease runs
 * out), resends what it left unfinished, and recovers the one of them that was DOWN when it died. Every
 * event arrives once, in each room's order, transaction ids only grow and never carry two contents, and no
 * application service ever had two transactions in flight.
 */
class ScaleOutIT {

    private static final int EVENTS = 20_000;

    private static final Pattern SENDS_FOR = Pattern.compile("sends for \\[([^]]*)]");

    @Test
    void twoInstancesShareTheWorkAndTheSurvivorTakesOverFromOneKilled() throws Exception {
        Ledger ledger = new Ledger();
        List<String> ids = List.of("a", "b", "c", "d", "e");
        try (CountingAppService.Group services = CountingAppService.Group.of(ids)) {
            Path first = ServiceProcess.prepare("faults-scale-1", services.urls());
            Path second = ServiceProcess.prepare("faults-scale-2", services.urls());
            try (StandaloneBroker broker = new StandaloneBroker(first.resolve("broker")).start()) {
                Map<String, String> shared = Map.of("DELIVERY_BROKER_EMBEDDED", "false", "DELIVERY_BROKER_URL", broker.url());
                try (ServiceProcess one = new ServiceProcess(first, shared);
                     ServiceProcess two = new ServiceProcess(second, shared)) {
                    long start = System.nanoTime();
                    one.start();
                    two.start();
                    Traffic traffic = new Traffic(ledger, broker.url(), ids, EVENTS, 10, EVENTS / 40).start();
                    RecordingAppService.await(() -> !sendsFor(one).isEmpty() && !sendsFor(two).isEmpty()
                                    && traffic.published() >= EVENTS / 3, Duration.ofMinutes(2),
                            () -> "the work is not shared: the first sends for " + sendsFor(one) + ", the second for "
                                    + sendsFor(two) + "; " + traffic.published() + " published");
                    Set<String> ofTheKilled = sendsFor(two);
                    Set<String> ofTheSurvivor = sendsFor(one);
                    // One of the doomed instance's application services is DOWN when it dies: the survivor
                    // must rebuild its recoverer from the database (timers are each instance's own).
                    String down = ofTheKilled.iterator().next();
                    services.named(down).down(true);
                    RecordingAppService.await(() -> two.log().contains("AS " + down + " DOWN"), Duration.ofMinutes(1),
                            () -> down + " not marked DOWN by the second instance");
                    int deliveredBefore = services.deliveredCount();
                    two.kill();
                    long killedAt = System.nanoTime();
                    RecordingAppService.await(() -> sendsFor(one).equals(new TreeSet<>(ids)), Duration.ofSeconds(30),
                            () -> "30 s after the kill the survivor sends only for " + sendsFor(one));
                    long takenOverAfter = (System.nanoTime() - killedAt) / 1_000_000;
                    services.named(down).down(false);
                    RecordingAppService.await(() -> one.log().contains("AS " + down + " UP after"), Duration.ofMinutes(2),
                            () -> "the survivor did not bring " + down + " back UP");

                    traffic.await(Duration.ofMinutes(10));
                    ledger.awaitAndVerify(Duration.ofMinutes(5), services.all());
                    for (CountingAppService as : services.all()) {
                        assertEquals(1, as.mostInFlight(), as.id() + " had two transactions in flight at once");
                    }
                    assertTrue(one.isAlive());
                    assertFalse(ofTheKilled.isEmpty());
                    Faults.report("scale-out", "2 instances, 5 ASes, " + EVENTS + " events (" + ledger.publishedTotal()
                            + " deliveries); before the kill the first sent for " + ofTheSurvivor + ", the second for "
                            + ofTheKilled + "; the second killed (SIGKILL) with " + deliveredBefore
                            + " delivered and " + down + " DOWN, its ASes taken over after " + takenOverAfter
                            + " ms, " + down + " recovered by the survivor; "
                            + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
                    one.stop();
                }
            }
        }
    }

    /** The application services an instance said last that it sends for. */
    private static Set<String> sendsFor(ServiceProcess service) {
        Matcher matcher = SENDS_FOR.matcher(service.log());
        Set<String> last = new TreeSet<>();
        while (matcher.find()) {
            last = new TreeSet<>();
            for (String id : matcher.group(1).split(",\\s*")) {
                if (!id.isBlank()) {
                    last.add(id.trim());
                }
            }
        }
        return last;
    }
}
