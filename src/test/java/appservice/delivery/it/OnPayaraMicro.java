package appservice.delivery.it;

import java.net.URL;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A black-box test class on the real runtime: Arquillian starts Payara Micro with the built WAR, its
 * Artemis resource adapter and embedded broker, after {@link DeliveryFixture} has prepared the data
 * directory, the database and the registrations of the class's {@link AppServices}.
 */
@ExtendWith({DeliveryFixture.class, ArquillianExtension.class})
abstract class OnPayaraMicro {

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
}
