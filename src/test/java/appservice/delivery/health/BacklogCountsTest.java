package appservice.delivery.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BacklogCountsTest {

    private final AtomicLong clock = new AtomicLong();
    private final BacklogCounts counts = new BacklogCounts(clock::get);
    private final List<String> counted = new ArrayList<>();

    /** A count that takes {@code millis} of the clock and finds {@code backlog}. */
    private long count(String asId, long millis, long backlog) {
        counted.add(asId);
        clock.addAndGet(millis * 1_000_000);
        return backlog;
    }

    @Test
    void nothingWaitingIsZeroWithoutACount() {
        assertEquals(Map.of("a", 0L), counts.update(List.of("a"), Map.of(), id -> count(id, 1, 7)));
        assertEquals(List.of(), counted);
    }

    @Test
    void aBacklogIsCountedAgainOnlyAfterFiftyTimesItsCountsDuration() {
        assertEquals(Map.of("big", 1_000_000L), counts.update(List.of("big"), Map.of("big", 1L), id -> count(id, 200, 1_000_000)));
        clock.addAndGet(9_000_000_000L); // 9 s later: not yet 50 x 0.2 s
        assertEquals(Map.of("big", 1_000_000L), counts.update(List.of("big"), Map.of("big", 1L), id -> count(id, 200, 999_000)));
        assertEquals(List.of("big"), counted);
        clock.addAndGet(1_000_000_000L); // 10 s after the first count
        assertEquals(Map.of("big", 999_000L), counts.update(List.of("big"), Map.of("big", 1L), id -> count(id, 200, 999_000)));
        assertEquals(List.of("big", "big"), counted);
    }

    @Test
    void aSmallBacklogIsCountedEachTimeBesideABigOne() {
        Map<String, Long> waiting = Map.of("big", 1L, "small", 2L);
        counts.update(List.of("big", "small"), waiting, id -> count(id, id.equals("big") ? 200 : 0, 5));
        clock.addAndGet(5_000_000_000L);
        counts.update(List.of("big", "small"), waiting, id -> count(id, id.equals("big") ? 200 : 0, 5));
        assertEquals(List.of("big", "small", "small"), counted);
    }

    @Test
    void aDrainedBacklogIsZeroAtOnceAndCountedAgainWhenItemsWait() {
        counts.update(List.of("a"), Map.of("a", 1L), id -> count(id, 200, 500_000));
        assertEquals(Map.of("a", 0L), counts.update(List.of("a"), Map.of(), id -> count(id, 200, 0)));
        assertEquals(Map.of("a", 3L), counts.update(List.of("a"), Map.of("a", 9L), id -> count(id, 200, 3)));
        assertEquals(List.of("a", "a"), counted);
    }
}
