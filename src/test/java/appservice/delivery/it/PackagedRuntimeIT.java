package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The packaged runtime as a user runs it: an outside producer publishes a stream of events for two
 * application services across many rooms; the service is killed with SIGKILL in the middle of it and
 * started again. Every event arrives, no transaction id carries two contents, each room keeps its order.
 */
@PackagedRuntime
class PackagedRuntimeIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int EVENTS = 2000;
    private static final int ROOMS = 20;

    @Test
    void killedMidStreamAndRestartedItLosesNothingAndAltersNothing() throws Exception {
        try (RecordingAppService one = new RecordingAppService("one");
             RecordingAppService two = new RecordingAppService("two");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("packaged", one, two), Map.of())) {
            service.start();
            Map<String, List<String>> publishedPerAs = Map.of("one", new ArrayList<>(), "two", new ArrayList<>());
            try (Publisher publisher = service.publisher()) {
                for (int i = 0; i < EVENTS / 2; i++) {
                    publish(publisher, i, publishedPerAs);
                }
            }
            // Kill it while it is still delivering the first half.
            RecordingAppService.await(() -> one.accepted().size() + two.accepted().size() >= 2, TIMEOUT,
                    () -> "nothing delivered yet");
            service.kill();

            service.start();
            try (Publisher publisher = service.publisher()) {
                for (int i = EVENTS / 2; i < EVENTS; i++) {
                    publish(publisher, i, publishedPerAs);
                }
            }
            for (RecordingAppService as : List.of(one, two)) {
                RecordingAppService.await(() -> as.eventsOnce().size()
                        >= publishedPerAs.get(as.id()).size(), TIMEOUT,
                        () -> as.id() + " got " + as.eventsOnce().size());
            }
            Thread.sleep(3000); // time for a wrong extra copy to show up

            for (RecordingAppService as : List.of(one, two)) {
                List<String> delivered = as.eventsOnce();
                List<String> published = publishedPerAs.get(as.id());
                assertEquals(published.size(), delivered.size(), as.id() + ": every event exactly once");
                assertEquals(perRoom(published), perRoom(delivered), as.id() + ": each room in publish order");
                Map<String, Long> contentsPerTxn = as.received().stream().collect(Collectors.groupingBy(
                        RecordingAppService.Received::txnId,
                        Collectors.mapping(RecordingAppService.Received::body, Collectors.collectingAndThen(
                                Collectors.toSet(), set -> (long) set.size()))));
                contentsPerTxn.forEach((txn, n) -> assertEquals(1L, n, "txn " + txn + " sent with different contents"));
            }
            service.stop();
        }
    }

    private static void publish(Publisher publisher, int i, Map<String, List<String>> publishedPerAs) {
        String as = i % 3 == 0 ? "two" : "one";
        String room = "!room" + (i % ROOMS) + ":localhost";
        String eventId = "$e" + i;
        publisher.publish(Publisher.event(eventId, room, "@" + as + "_user:localhost"), room);
        publishedPerAs.get(as).add(eventId);
    }

    private static Map<String, List<String>> perRoom(List<String> eventIds) {
        Map<String, List<String>> rooms = new LinkedHashMap<>();
        for (String id : eventIds) {
            int i = Integer.parseInt(id.substring(2));
            rooms.computeIfAbsent("room" + (i % ROOMS), r -> new ArrayList<>()).add(id);
        }
        return new java.util.TreeMap<>(rooms);
    }
}
