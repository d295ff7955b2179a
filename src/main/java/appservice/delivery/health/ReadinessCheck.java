package appservice.delivery.health;

import appservice.delivery.Secrets;
import appservice.delivery.ingest.EventsConsumer;
import appservice.delivery.ingest.Ingest;
import appservice.delivery.registrations.Registrations;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the registrations are loaded, the database answers and this service's consumers are on the
 * events queue: only then are published events being taken and stored.
 *
 * <p>Anyone may probe it, as often as they like, so a probe costs the same whatever the backlog: the
 * consumers say themselves whether they are connected (asking the broker took a session per probe), and
 * the database is asked whether a connection is valid at most once a second, by one probe at a time, so
 * that a flood of probes never takes the connections that delivery needs. The answer says only whether
 * each part works; why one does not is logged, at most once a minute.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ReadinessCheck.class.getName());

    /** How long the database's answer stands for the probes that follow. */
    private static final long ANSWER_STANDS_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The database has not answered for this long (a probe is still asking it): it is unreachable. */
    private static final long SILENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final int VALID_TIMEOUT_SECONDS = 2;

    private static final long QUIET_MILLIS = 60_000;

    @Inject
    Registrations registrations;

    @Inject
    Ingest ingest;

    @Inject
    EventsConsumer consumer;

    @Resource(lookup = "java:app/jdbc/delivery")
    DataSource dataSource;

    private final AtomicBoolean asking = new AtomicBoolean();

    private volatile Answer database = new Answer(false, System.nanoTime() - TimeUnit.HOURS.toNanos(1));

    private long quietUntil;

    /** Whether the database answered, and when (System.nanoTime). */
    private record Answer(boolean reachable, long at) {
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("delivery");
        boolean registrationsLoaded = registrations.loaded();
        boolean databaseReachable = databaseReachable();
        int consumers = consumer.connectedConsumers();
        response.withData("registrations", registrationsLoaded ? "loaded" : "not loaded")
                .withData("database", databaseReachable ? "reachable" : "unreachable")
                .withData("queue", consumers > 0 ? "consumed by " + consumers + " consumers" : "not consumed")
                .withData("unwanted_events", ingest.unwantedCount());
        return response.status(registrationsLoaded && databaseReachable && consumers > 0).build();
    }

    private boolean databaseReachable() {
        long now = System.nanoTime();
        Answer last = database;
        if (now - last.at() < ANSWER_STANDS_NANOS) {
            return last.reachable();
        }
        if (!asking.compareAndSet(false, true)) {
            // Another probe is asking: its answer is awaited, not asked for again.
            return last.reachable() && now - last.at() < SILENCE_NANOS;
        }
        try {
            boolean reachable = ask();
            database = new Answer(reachable, System.nanoTime());
            return reachable;
        } finally {
            asking.set(false);
        }
    }

    private boolean ask() {
        try (Connection connection = dataSource.getConnection()) {
            if (connection.isValid(VALID_TIMEOUT_SECONDS)) {
                return true;
            }
            unreachable("its connection is not valid");
        } catch (SQLException | RuntimeException e) {
            unreachable(e.toString());
        }
        return false;
    }

    /** Called by one probe at a time (the one asking). */
    private void unreachable(String why) {
        long now = System.currentTimeMillis();
        if (now >= quietUntil) {
            LOG.warning("Not ready: the database is unreachable (repeated at most once a minute): " + Secrets.mask(why));
            quietUntil = now + QUIET_MILLIS;
        }
    }
}
