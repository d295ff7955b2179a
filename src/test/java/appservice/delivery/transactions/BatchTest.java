package appservice.delivery.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class BatchTest {

    @Test
    void afterATooLargeRefusalTheLimitHalvesDownToOne() {
        assertEquals(50, Batch.halved(100, 150), "100 events and 50 ephemeral refused: 50 of each next");
        assertEquals(5, Batch.halved(100, 10), "a 10-item transaction refused: 5 next");
        assertEquals(25, Batch.halved(50, 100));
        assertEquals(1, Batch.halved(3, 3));
        assertEquals(1, Batch.halved(1, 2), "never below one");
    }

    @Test
    void belowOneOfEachKindTheOldestItemGoesAlone() {
        assertEquals(new Batch(50, false), Batch.FULL.smallerAfter(150));
        assertEquals(new Batch(1, false), new Batch(3, false).smallerAfter(3));
        // One event and one ephemeral event refused together: the same cut again would be refused forever.
        assertEquals(new Batch(1, true), new Batch(1, false).smallerAfter(2));
    }

    @Test
    void everyRefusalGivesASmallerBatch() {
        Batch batch = Batch.FULL;
        int steps = 0;
        while (!batch.alone()) {
            Batch next = batch.smallerAfter(3 * batch.perKind());
            assertNotEquals(batch, next);
            batch = next;
            steps++;
        }
        assertEquals(7, steps, "from 100: 50, 25, 12, 6, 3, 1, then alone");
    }
}
