package appservice.delivery.health;

import appservice.delivery.broker.BrokerConnections;
import appservice.delivery.ingest.Ingest;
import appservice.delivery.registrations.Registrations;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import javax.sql.DataSource;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the registrations are loaded, a database query succeeds and the events queue has a live
 * consumer: only then are published events being taken and stored.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    Registrations registrations;

    @Inject
    Ingest ingest;

    @Resource(lookup = "java:app/jdbc/delivery")
    DataSource dataSource;

    @Inject
    BrokerConnections broker;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("delivery");
        boolean registrationsLoaded = registrations.loaded();
        String database = database();
        String consumers = consumers();
        response.withData("registrations", registrationsLoaded ? "loaded" : "not loaded")
                .withData("database", database)
                .withData("queue", consumers)
                .withData("unwanted_events", ingest.unwantedCount());
        return response.status(registrationsLoaded && database.equals("reachable")
                && consumers.startsWith("consumed")).build();
    }

    private String database() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(5) ? "reachable" : "not valid";
        } catch (Exception e) {
            return "unreachable: " + e.getMessage();
        }
    }

    private String consumers() {
        // Where the producers connect: the consumers' count there says published events are being taken.
        try (ServerLocator locator = ActiveMQClient.createServerLocator(broker.producersUrl())
                .setCallTimeout(5000).setReconnectAttempts(0).setInitialConnectAttempts(1);
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession(broker.user(), broker.password(),
                     false, true, true, false, 0)) {
            ClientSession.QueueQuery query = session.queueQuery(SimpleString.of(queue));
            if (!query.isExists()) {
                return "queue " + queue + " does not exist";
            }
            return query.getConsumerCount() > 0
                    ? "consumed by " + query.getConsumerCount() + " consumers"
                    : "no consumer on " + queue;
        } catch (Exception e) {
            return "broker unreachable: " + e.getMessage();
        }
    }
}
