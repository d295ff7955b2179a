package appservice.delivery.it;

import java.net.URL;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A black-box test class on a real server, after {@link DeliveryFixture} has prepared the data directory,
 * the database and the registrations of the class's {@link AppServices}. By default Arquillian starts
 * Payara Micro with the built WAR, its Artemis resource adapter and embedded broker, one process per class;
 * with {@code -Pwildfly}, WildFly 39 with its own broker and PostgreSQL, one server for the whole run, to
 * which each class deploys the WAR anew.
 */
@ExtendWith({DeliveryFixture.class, ArquillianExtension.class})
abstract class OnServer {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ArquillianResource
    URL base;

    @Deployment(testable = false)
    static WebArchive app() {
        return Deployments.app();
    }

    String baseUrl() {
        return base.toString();
    }

    /** Where the server serves the metrics: beside the application on Payara, on its management port on WildFly. */
    String metricsUrl() {
        String url = System.getProperty("it.metrics.url", "");
        return url.isEmpty() ? baseUrl() + "metrics" : url;
    }
}
