package appservice.delivery.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchTest {

    @Test
    void takes150EphemeralAs100Then50() {
        List<Item> waiting = new ArrayList<>(items("ephemeral", 150));

        List<Item> first = Batch.take(waiting, Item::kind, Batch.MAX_PER_KIND);
        waiting.removeAll(first);
        List<Item> second = Batch.take(waiting, Item::kind, Batch.MAX_PER_KIND);
        waiting.removeAll(second);

        assertEquals(items("ephemeral", 150).subList(0, 100), first);
        assertEquals(items("ephemeral", 150).subList(100, 150), second);
        assertEquals(List.of(), waiting);
    }

    @Test
    void capsEachKindSeparatelyAndKeepsTheOrder() {
        List<Item> waiting = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            waiting.add(new Item("event", "{\"e\":" + i + "}"));
            waiting.add(new Item("ephemeral", "{\"p\":" + i + "}"));
            if (i % 2 == 0) {
                waiting.add(new Item("to_device", "{\"t\":" + i + "}"));
            }
            if (i < 120) {
                waiting.add(new Item("device_lists", "{\"l\":" + i + "}"));
            }
            if (i < 3) {
                waiting.add(new Item("device_keys", "{\"k\":" + i + "}"));
            }
        }

        List<Item> batch = Batch.take(waiting, Item::kind, Batch.MAX_PER_KIND);

        assertEquals(Map.of("event", 100L, "ephemeral", 100L, "to_device", 65L, "device_lists", 100L, "device_keys", 3L),
                countPerKind(batch));
        assertEquals(waiting.stream().filter(batch::contains).toList(), batch, "in the original order");
        assertEquals(new Item("event", "{\"e\":99}"), lastOf(batch, "event"));
        assertEquals(new Item("device_lists", "{\"l\":99}"), lastOf(batch, "device_lists"));
    }

    @Test
    void honoursASmallerLimit() {
        List<Item> waiting = List.of(
                new Item("event", "1"), new Item("ephemeral", "a"), new Item("event", "2"), new Item("event", "3"),
                new Item("event", "4"), new Item("ephemeral", "b"), new Item("to_device", "x"), new Item("event", "5"));

        List<Item> batch = Batch.take(waiting, Item::kind, 3);

        assertEquals(List.of(
                new Item("event", "1"), new Item("ephemeral", "a"), new Item("event", "2"), new Item("event", "3"),
                new Item("ephemeral", "b"), new Item("to_device", "x")), batch);
    }

    @Test
    void takesEverythingThatFitsAndNothingFromNothing() {
        assertEquals(items("event", 100), Batch.take(items("event", 100), Item::kind, Batch.MAX_PER_KIND));
        assertEquals(List.of(), Batch.take(List.<Item>of(), Item::kind, Batch.MAX_PER_KIND));
    }

    @Test
    void afterATooLargeRefusalTheLimitHalvesDownToOne() {
        assertEquals(50, Batch.halved(100, 150), "100 events and 50 ephemeral refused: 50 of each next");
        assertEquals(5, Batch.halved(100, 10), "a 10-item transaction refused: 5 next");
        assertEquals(25, Batch.halved(50, 100));
        assertEquals(1, Batch.halved(3, 3));
        assertEquals(1, Batch.halved(1, 2), "never below one");
    }

    @Test
    void rejectsALimitBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> Batch.take(items("event", 1), Item::kind, 0));
    }

    private static List<Item> items(String kind, int count) {
        return IntStream.range(0, count).mapToObj(i -> new Item(kind, "{\"n\":" + i + "}")).toList();
    }

    private static Map<String, Long> countPerKind(List<Item> items) {
        return items.stream().collect(Collectors.groupingBy(Item::kind, TreeMap::new, Collectors.counting()));
    }

    private static Item lastOf(List<Item> items, String kind) {
        return items.stream().filter(i -> i.kind().equals(kind)).reduce((a, b) -> b).orElseThrow();
    }
}
