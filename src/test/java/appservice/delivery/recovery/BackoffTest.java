package appservice.delivery.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration SYNAPSE_MAX = Duration.ofSeconds(512);

    @Test
    void doublesFromTwoSeconds() {
        long[] expected = {2, 4, 8, 16, 32, 64, 128, 256, 512};
        for (int step = 1; step <= expected.length; step++) {
            assertEquals(Duration.ofSeconds(expected[step - 1]), Backoff.delay(step, SYNAPSE_MAX), "step " + step);
        }
    }

    @Test
    void neverExceedsTheMaximum() {
        assertEquals(Duration.ofSeconds(512), Backoff.delay(9, SYNAPSE_MAX));
        assertEquals(Duration.ofSeconds(512), Backoff.delay(10, SYNAPSE_MAX));
        assertEquals(Duration.ofSeconds(8), Backoff.delay(3, Duration.ofSeconds(10)));
        assertEquals(Duration.ofSeconds(10), Backoff.delay(4, Duration.ofSeconds(10)));
        assertEquals(Duration.ofMillis(1500), Backoff.delay(1, Duration.ofMillis(1500)));
    }

    @Test
    void aStepBelowOneCountsAsOne() {
        assertEquals(Duration.ofSeconds(2), Backoff.delay(0, SYNAPSE_MAX));
        assertEquals(Duration.ofSeconds(2), Backoff.delay(-5, SYNAPSE_MAX));
    }

    @Test
    void largeStepsDoNotOverflow() {
        assertEquals(SYNAPSE_MAX, Backoff.delay(62, SYNAPSE_MAX));
        assertEquals(SYNAPSE_MAX, Backoff.delay(63, SYNAPSE_MAX));
        assertEquals(SYNAPSE_MAX, Backoff.delay(100, SYNAPSE_MAX));
        assertEquals(SYNAPSE_MAX, Backoff.delay(1000, SYNAPSE_MAX));
        assertEquals(SYNAPSE_MAX, Backoff.delay(Integer.MAX_VALUE, SYNAPSE_MAX));
    }
}
