package appservice.delivery.sending;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.client.ClientBuilder;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.client.ClientProperties;
import org.glassfish.jersey.client.HttpUrlConnectorProvider;
import org.glassfish.jersey.client.JerseyClientBuilder;

/**
 * Payara's client: Jersey over the JDK's HttpURLConnection, which opens each connection through a factory
 * of ours that hands it to the requesting thread's {@link Exchange}; closing it is
 * {@link HttpURLConnection#disconnect()}. From another thread, that closes the socket under a thread blocked
 * on the status line or the headers at once. In the middle of a body, the JDK's stream is locked by the read
 * that waits: the reader stops at its next byte (or when the read timeout, per read, passes), and then the
 * close goes through. A body with a Content-Length left unfinished is closed only with
 * {@code -Dhttp.KeepAlive.remainingData=0}; otherwise the JDK reads the rest in the background to keep the
 * connection, for as long as it trickles. Where the server has no Jersey (WildFly) this class cannot load,
 * and Weld leaves it out.
 */
@ApplicationScoped
class JerseyConnections implements Connections {

    private static final Logger LOG = Logger.getLogger(JerseyConnections.class.getName());

    /** How much of an unfinished answer the JDK reads to keep its connection (KB; 512 unless set). */
    private static final String REMAINING_DATA = "http.KeepAlive.remainingData";

    /** Opens the connections of the service's client, each handed to the exchange it is for. */
    private final HttpUrlConnectorProvider.ConnectionFactory connections =
            new HttpUrlConnectorProvider.ConnectionFactory() {

                @Override
                public HttpURLConnection getConnection(URL url) throws IOException {
                    return handedOver((HttpURLConnection) url.openConnection());
                }

                @Override
                public HttpURLConnection getConnection(URL url, Proxy proxy) throws IOException {
                    return handedOver((HttpURLConnection) (proxy == null ? url.openConnection()
                            : url.openConnection(proxy)));
                }
            };

    @Override
    public JerseyClientBuilder clientBuilder(Duration connectTimeout, Duration readTimeout) {
        if (!"0".equals(System.getProperty(REMAINING_DATA))) {
            LOG.warning("Without -D" + REMAINING_DATA + "=0, the connection of an answer given up on in the"
                    + " middle of its body stays open while the JDK reads the rest of it, however slowly it comes");
        }
        ClientConfig config = new ClientConfig()
                .connectorProvider(new HttpUrlConnectorProvider().connectionFactory(connections));
        JerseyClientBuilder builder = ((JerseyClientBuilder) ClientBuilder.newBuilder()).withConfig(config)
                // A redirect is not an answer: the registration's URL is the contract.
                .property(ClientProperties.FOLLOW_REDIRECTS, false);
        builder.connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return builder;
    }

    private static HttpURLConnection handedOver(HttpURLConnection connection) throws IOException {
        if (!Exchange.opening(connection::disconnect)) {
            throw new IOException("given up on before it was sent");
        }
        return connection;
    }
}
