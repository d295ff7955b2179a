package appservice.delivery.broker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How the service reaches its broker: the embedded one inside the process, or the one at
 * {@code delivery.broker.url} (a standalone Artemis, or WildFly's own). A plain Artemis client rather than
 * a container-managed connection factory, which each server defines its own way.
 */
@ApplicationScoped
public class BrokerConnections {

    @Inject
    @ConfigProperty(name = "delivery.broker.url", defaultValue = "tcp://127.0.0.1:61616")
    String brokerUrl;

    /** With the embedded broker, the service connects to it inside the process rather than over TCP. */
    @Inject
    @ConfigProperty(name = "delivery.broker.embedded", defaultValue = "true")
    boolean embedded;

    @Inject
    @ConfigProperty(name = "delivery.broker.user")
    Optional<String> user;

    @Inject
    @ConfigProperty(name = "delivery.broker.password")
    Optional<String> password;

    /** Where the service's own consumers and producers connect (inside the process to the embedded broker). */
    public String url() {
        return embedded ? EmbeddedBroker.IN_VM_URL : brokerUrl;
    }

    /** Where the homeserver's producers connect: the embedded broker listens there, an external one is there. */
    public String producersUrl() {
        return brokerUrl;
    }

    /** The configured broker user, or null. */
    public String user() {
        return user.orElse(null);
    }

    /** The configured broker password, or null. */
    public String password() {
        return password.orElse(null);
    }

    public boolean embedded() {
        return embedded;
    }

    /** A new connection factory for the broker, with the configured credentials; the caller closes it. */
    public ActiveMQConnectionFactory newFactory() {
        return new ActiveMQConnectionFactory(url(), user(), password());
    }
}
