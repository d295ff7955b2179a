package appservice.delivery.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
