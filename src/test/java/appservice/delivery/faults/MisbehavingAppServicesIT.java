package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.faults.MisbehavingAppService.Misbehaviour;
import appservice.delivery.it.Admin;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Application services that answer 500, 503, 404, 401, garbage, nothing (connection refused), too
 * slowly (past the read timeout), close the connection mid-response or redirect: each is a failure
 * (DOWN, retried by the recoverer with the same transaction) until it behaves, and then gets everything,
 * in order; a healthy one beside them gets its events while the slow one still hangs.
 */
class MisbehavingAppServicesIT {

    private static final int FAILURES = 2;
    private static final int ROOMS = 10;

    @Test
    void eachMisbehaviourIsAFailureThatTheRecovererOutlastsAndNoneDelaysAHealthyOne() throws Exception {
        Ledger ledger = new Ledger();
        List<MisbehavingAppService> bad = new ArrayList<>();
        try (CountingAppService ok = new CountingAppService("ok")) {
            for (Misbehaviour misbehaviour : Misbehaviour.values()) {
                bad.add(new MisbehavingAppService(misbehaviour.name().toLowerCase().replace('_', '-'), misbehaviour, FAILURES));
            }
            Map<String, String> urls = new LinkedHashMap<>();
            urls.put(ok.id(), ok.url());
            bad.forEach(as -> urls.put(as.id(), as.url()));
            List<String> everyone = List.copyOf(urls.keySet());
            MisbehavingAppService slow = bad.stream().filter(as -> as.misbehaviour() == Misbehaviour.TOO_SLOW)
                    .findFirst().orElseThrow();
            MisbehavingAppService refused = bad.stream().filter(as -> as.misbehaviour() == Misbehaviour.REFUSED)
                    .findFirst().orElseThrow();
            try (ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-misbehaving", urls),
                         Map.of("DELIVERY_HTTP_READ_TIMEOUT", "PT5S"));
                 FaultPublisher publisher = new FaultPublisher(service.brokerUrl())) {
                service.start();

                // A first wave at once: the healthy one has it all before the slow one has finished hanging
                // (checking that the slow one is hanging right then raced with its first request arriving).
                publish(publisher, ledger, everyone, 0, 50);
                ok.awaitDelivered(50);
                assertEquals(0, slow.hangsEnded(), "the healthy application service had to wait for the slow one");

                // A second wave, spread out, arriving while the others are DOWN.
                for (int first = 50; first < 100; first += 5) {
                    publish(publisher, ledger, everyone, first, 5);
                    Thread.sleep(500);
                }
                ok.awaitDelivered(100);
                Thread.sleep(3000);
                refused.listen();

                for (MisbehavingAppService as : bad) {
                    RecordingAppService.await(() -> as.receipts().deliveredCount() >= ledger.publishedTo(as.id()),
                            Duration.ofMinutes(3), () -> as.id() + " got " + as.receipts().deliveredCount()
                                    + " of " + ledger.publishedTo(as.id()));
                }
                Thread.sleep(3000);
                ledger.verify(ok);
                String log = service.log();
                StringBuilder figures = new StringBuilder();
                for (MisbehavingAppService as : bad) {
                    ledger.verify(as.id(), as.receipts());
                    assertTrue(log.contains("AS " + as.id() + " DOWN"), as.id() + " should have been marked DOWN");
                    RecordingAppService.await(() -> "UP".equals(Admin.state(service.baseUrl(), as.id())),
                            Duration.ofSeconds(30), () -> as.id() + " is not UP again");
                    figures.append(as.id()).append(": ").append(as.transactions()).append(" requests; ");
                    if (as.misbehaviour() != Misbehaviour.REFUSED) {
                        assertTrue(as.transactions() > FAILURES, as.id() + " was never retried");
                    }
                }
                assertTrue(slow.hangsEnded() > 0, "the slow one never hung");
                MisbehavingAppService redirect = bad.stream()
                        .filter(as -> as.misbehaviour() == Misbehaviour.REDIRECT).findFirst().orElseThrow();
                assertEquals(0, redirect.followed(), "a redirect must not be followed");
                Faults.report("misbehaving", figures + "100 events each, all delivered in order");
                service.stop();
            }
        } finally {
            bad.forEach(MisbehavingAppService::close);
        }
    }

    private static void publish(FaultPublisher publisher, Ledger ledger, List<String> everyone, int first, int count) {
        List<FaultPublisher.Outgoing> batch = new ArrayList<>();
        for (int n = first; n < first + count; n++) {
            int room = n % ROOMS;
            String eventId = Ledger.eventId(room, n);
            batch.add(new FaultPublisher.Outgoing(Traffic.envelope(eventId, Ledger.roomId(room), everyone.get(0),
                    everyone.subList(1, everyone.size())), Ledger.roomId(room), eventId));
        }
        publisher.publish(batch);
        batch.forEach(outgoing -> ledger.published(outgoing.eventId(), everyone));
    }
}
