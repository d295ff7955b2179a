package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.RecordingAppService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What was published, per application service and in order, checked against what each one received:
 * every event exactly once, each room in publish order, no transaction id with two contents.
 * Event ids name their room ({@code $r<room>_<n>}), so order is checked per room without a lookup table.
 */
final class Ledger {

    private final Map<String, List<String>> published = new HashMap<>();

    static String eventId(int room, int n) {
        return "$r" + room + "_" + n;
    }

    static String roomId(int room) {
        return "!room" + room + ":localhost";
    }

    private static String roomOf(String eventId) {
        return eventId.substring(0, eventId.indexOf('_'));
    }

    /** Records that the broker has the event for these application services (call after the send succeeded). */
    synchronized void published(String eventId, List<String> asIds) {
        for (String as : asIds) {
            published.computeIfAbsent(as, a -> new ArrayList<>()).add(eventId);
        }
    }

    synchronized int publishedTo(String asId) {
        return published.getOrDefault(asId, List.of()).size();
    }

    synchronized int publishedTotal() {
        return published.values().stream().mapToInt(List::size).sum();
    }

    /** The three promises, for one application service that has received everything it will receive. */
    /**
     * Waits until each application service has as many events as were published to it, gives a wrong
     * extra copy 3 s to show up, then checks the promises for each.
     */
    void awaitAndVerify(Duration timeout, List<CountingAppService> services) throws InterruptedException {
        for (CountingAppService as : services) {
            RecordingAppService.await(() -> as.deliveredCount() >= publishedTo(as.id()), timeout,
                    () -> as.id() + " got " + as.deliveredCount() + " of " + publishedTo(as.id()));
        }
        Thread.sleep(3000);
        services.forEach(this::verify);
    }

    void verify(CountingAppService as) {
        verify(as.id(), as.receipts());
    }

    /** The three promises, for one application service that has received everything it will receive. */
    synchronized void verify(String asId, Receipts receipts) {
        List<String> expected = published.getOrDefault(asId, List.of());
        List<String> delivered = receipts.delivered();
        Set<String> seen = new HashSet<>();
        for (String id : delivered) {
            assertTrue(seen.add(id), asId + ": event " + id + " delivered in two different transactions");
        }
        List<String> missing = expected.stream().filter(id -> !seen.contains(id)).limit(10).toList();
        assertEquals(List.of(), missing, asId + ": published but not delivered (first 10 of "
                + (expected.size() - delivered.size()) + " fewer delivered than published)");
        assertEquals(expected.size(), delivered.size(), asId + ": delivered but never published");
        Map<String, List<String>> expectedRooms = perRoom(expected);
        Map<String, List<String>> deliveredRooms = perRoom(delivered);
        for (Map.Entry<String, List<String>> room : expectedRooms.entrySet()) {
            List<String> want = room.getValue();
            List<String> got = deliveredRooms.get(room.getKey());
            for (int i = 0; i < want.size(); i++) {
                if (!want.get(i).equals(got.get(i))) {
                    throw new AssertionError(asId + ": room " + room.getKey() + " out of order at position " + i
                            + ": expected " + want.get(i) + " but " + got.get(i) + " came");
                }
            }
        }
        assertEquals(List.of(), receipts.transactionsWithTwoContents(), asId + ": transaction ids sent with two contents");
        assertEquals(List.of(), receipts.idsNotIncreasing(), asId + ": new transaction ids below earlier ones");
    }

    private static Map<String, List<String>> perRoom(List<String> eventIds) {
        Map<String, List<String>> rooms = new HashMap<>();
        for (String id : eventIds) {
            rooms.computeIfAbsent(roomOf(id), r -> new ArrayList<>()).add(id);
        }
        return rooms;
    }
}
