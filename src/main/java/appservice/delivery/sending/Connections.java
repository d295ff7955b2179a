package appservice.delivery.sending;

import jakarta.ws.rs.client.ClientBuilder;
import java.time.Duration;

/**
 * The server's JAX-RS client, set up so that an {@link Exchange} can close its request's connection from
 * another thread: Jersey's on Payara ({@link JerseyConnections}), RESTEasy's on WildFly
 * ({@link ResteasyConnections}). Neither JAX-RS nor the JDK offers a way that works for both.
 */
interface Connections {

    /**
     * A builder of clients that connect within {@code connectTimeout}, wait at most {@code readTimeout} for
     * each read, follow no redirect, and hand each request's connection to the {@link Exchange} of the
     * thread that makes it.
     */
    ClientBuilder clientBuilder(Duration connectTimeout, Duration readTimeout);
}
