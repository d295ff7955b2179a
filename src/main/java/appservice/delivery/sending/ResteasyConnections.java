package appservice.delivery.sending;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.client.ClientBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.config.SocketConfig;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.jboss.resteasy.client.jaxrs.ResteasyClientBuilder;
import org.jboss.resteasy.client.jaxrs.engines.ApacheHttpClient43Engine;

/**
 * WildFly's client: RESTEasy's engine over Apache HttpClient 4, whose request for each call goes to the
 * requesting thread's {@link Exchange} as it is made; closing it is {@link HttpRequestBase#abort()}, which
 * shuts its connection down and so ends a blocked read at once, whatever the phase, or a wait for a pooled
 * connection. The engine and its HttpClient are set up as RESTEasy's own default ones, apart from that.
 * Where the server has no RESTEasy (Payara) this class cannot load, and Weld leaves it out.
 */
@ApplicationScoped
class ResteasyConnections implements Connections {

    /** Connections kept, as many as RESTEasy's default engine keeps. */
    private static final int POOL = 50;

    @Override
    public ResteasyClientBuilder clientBuilder(Duration connectTimeout, Duration readTimeout) {
        int read = Math.toIntExact(readTimeout.toMillis());
        PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
        pool.setMaxTotal(POOL);
        pool.setDefaultMaxPerRoute(POOL);
        pool.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).build());
        CloseableHttpClient http = HttpClientBuilder.create()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectTimeout(Math.toIntExact(connectTimeout.toMillis()))
                        .setSocketTimeout(read)
                        // A redirect is not an answer: the registration's URL is the contract.
                        .setRedirectsEnabled(false)
                        .build())
                .disableContentCompression()
                .disableCookieManagement()
                .evictExpiredConnections()
                .evictIdleConnections(60, TimeUnit.SECONDS)
                .build();
        return ((ResteasyClientBuilder) ClientBuilder.newBuilder()).httpEngine(new Engine(http));
    }

    /** RESTEasy's Apache engine, whose requests an {@link Exchange} can abort. */
    private static final class Engine extends ApacheHttpClient43Engine {

        Engine(CloseableHttpClient http) {
            super(http, true);
        }

        @Override
        protected HttpRequestBase createHttpMethod(String url, String restVerb) {
            HttpRequestBase request = super.createHttpMethod(url, restVerb);
            if (!Exchange.opening(request::abort)) {
                request.abort(); // given up on already: executing it fails at once
            }
            return request;
        }
    }
}
