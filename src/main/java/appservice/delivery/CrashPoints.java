package appservice.delivery;

import java.util.logging.Logger;

/**
 * A test-only hook that halts the process at a named point, to prove that a crash there loses
 * nothing. Off unless the system property {@code delivery.test.crash-at} names the point; it is
 * never set in production.
 */
public final class CrashPoints {

    private static final String CRASH_AT = System.getProperty("delivery.test.crash-at");

    private CrashPoints() {
    }

    public static void reach(String point) {
        if (CRASH_AT != null && CRASH_AT.equals(point)) {
            Logger.getLogger(CrashPoints.class.getName()).severe("Crashing at " + point + " (delivery.test.crash-at)");
            Runtime.getRuntime().halt(137);
        }
    }
}
