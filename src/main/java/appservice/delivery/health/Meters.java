package appservice.delivery.health;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;

/**
 * Where {@link DeliveryMetrics} keeps its meters, all tagged {@code appservice=<id>}: the server's own
 * metrics library, MicroProfile Metrics on Payara or Micrometer on WildFly.
 */
interface Meters {

    void gauge(String name, String description, String asId, DoubleSupplier value);

    /** A counter, as the function that adds to it. */
    LongConsumer counter(String name, String asId);

    /** A timer, as the function that records a duration. */
    Consumer<Duration> timer(String name, String asId);
}
