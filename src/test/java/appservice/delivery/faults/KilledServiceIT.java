package appservice.delivery.faults;

import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The service (with its embedded broker) killed with SIGKILL at random, seeded moments — while starting,
 * taking events in, sending — and started again each time, while a homeserver publishes to three
 * application services. Every event arrives once, in each room's order, and no transaction id ever
 * carries two contents.
 */
class KilledServiceIT {

    @Test
    void killedAgainAndAgainItLosesNothingAndAltersNothing() throws Exception {
        Random random = Faults.random();
        Ledger ledger = new Ledger();
        try (CountingAppService a = new CountingAppService("a");
             CountingAppService b = new CountingAppService("b");
             CountingAppService c = new CountingAppService("c")) {
            List<CountingAppService> services = List.of(a, b, c);
            Map<String, String> urls = new LinkedHashMap<>();
            services.forEach(as -> urls.put(as.id(), as.url()));
            try (ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-killed", urls), Map.of())) {
                long start = System.nanoTime();
                service.start();
                Traffic traffic = new Traffic(ledger, service.brokerUrl(), List.of("a", "b", "c"),
                        Faults.EVENTS, 10, 0).start();
                StringBuilder moments = new StringBuilder();
                for (int kill = 1; kill <= Faults.KILLS; kill++) {
                    // Up to 30 s after the last (re)launch: some kills land in startup, most in full flow.
                    long wait = 2_000 + random.nextInt(28_000);
                    Thread.sleep(wait);
                    moments.append(moments.isEmpty() ? "" : ", ").append(wait / 1000.0).append(" s (")
                            .append(traffic.published()).append(" published, ")
                            .append(services.stream().mapToInt(CountingAppService::deliveredCount).sum())
                            .append(" delivered)");
                    service.kill();
                    service.launch();
                }
                service.awaitReady();
                traffic.await(Duration.ofMinutes(30));
                for (CountingAppService as : services) {
                    RecordingAppService.await(() -> as.deliveredCount() >= ledger.publishedTo(as.id()),
                            Duration.ofMinutes(10),
                            () -> as.id() + " got " + as.deliveredCount() + " of " + ledger.publishedTo(as.id()));
                }
                Thread.sleep(3000); // time for a wrong extra copy to show up
                for (CountingAppService as : services) {
                    ledger.verify(as);
                }
                Faults.report("sigkill", Faults.KILLS + " kills at " + moments + "; " + ledger.publishedTotal()
                        + " deliveries of " + Faults.EVENTS + " events to 3 ASes, " + traffic.resends()
                        + " batches re-published; " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
                service.stop();
            }
        }
    }
}
