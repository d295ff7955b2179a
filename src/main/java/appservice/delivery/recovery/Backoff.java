package appservice.delivery.recovery;

import java.time.Duration;
import java.util.Objects;

/** How long to wait before retrying an application service that is DOWN: 2, 4, 8 … seconds, up to a maximum. */
public final class Backoff {

    // 2^62 s still fits a long; anything beyond is far past any sensible maximum.
    private static final int LARGEST_EXACT_STEP = 62;

    private Backoff() {
    }

    /** 2^step seconds (a step below 1 counts as 1), never more than {@code max}. */
    public static Duration delay(int step, Duration max) {
        Objects.requireNonNull(max, "max");
        int n = Math.max(step, 1);
        if (n > LARGEST_EXACT_STEP) {
            return max;
        }
        Duration delay = Duration.ofSeconds(1L << n);
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
