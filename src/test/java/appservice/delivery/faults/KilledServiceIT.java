package appservice.delivery.faults;

import appservice.delivery.it.ServiceProcess;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The service (with its embedded broker) killed with SIGKILL at random, seeded moments — one in four
 * while it starts, the others while it takes events in and sends them — and started again each time, while a homeserver publishes to three
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
                    // One kill in four lands while the service starts; the others 1-15 s into full flow.
                    boolean inStartup = random.nextInt(4) == 0;
                    long wait = inStartup ? random.nextInt(10_000) : 1_000 + random.nextInt(14_000);
                    if (!inStartup) {
                        service.awaitReady();
                    }
                    Thread.sleep(wait);
                    moments.append(moments.isEmpty() ? "" : "; ").append(wait / 1000.0)
                            .append(inStartup ? " s after launch (" : " s after ready (")
                            .append(traffic.published()).append(" published, ")
                            .append(services.stream().mapToInt(CountingAppService::deliveredCount).sum())
                            .append(" delivered)");
                    service.kill();
                    service.launch();
                }
                service.awaitReady();
                traffic.await(Duration.ofMinutes(30));
                ledger.awaitAndVerify(Duration.ofMinutes(10), services);
                Faults.report("sigkill", Faults.KILLS + " kills at " + moments + "; " + ledger.publishedTotal()
                        + " deliveries of " + Faults.EVENTS + " events to 3 ASes, " + traffic.resends()
                        + " batches re-published; " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
                service.stop();
            }
        }
    }
}
