package appservice.delivery.sending;

import static appservice.delivery.JsonFactory.JSON;

import appservice.delivery.Secrets;
import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.OutgoingTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Talks to application services over HTTP, as the application service API defines: transactions and pings. */
@ApplicationScoped
public class TransactionSender {

    @Inject
    @ConfigProperty(name = "delivery.http.connect-timeout", defaultValue = "PT15S")
    Duration connectTimeout;

    @Inject
    @ConfigProperty(name = "delivery.http.read-timeout", defaultValue = "PT60S")
    Duration readTimeout;

    /** Deprecated by the spec: also send the hs_token as {@code ?access_token=}, for old application services. */
    @Inject
    @ConfigProperty(name = "delivery.legacy-authorization", defaultValue = "false")
    boolean legacyAuthorization;

    private Client client;

    @PostConstruct
    void open() {
        client = ClientBuilder.newBuilder()
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                // A redirect is not an answer: the registration's URL is the contract.
                .property("jersey.config.client.followRedirects", false)
                .build();
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** The longest a PUT can take, connecting included. */
    public Duration longestPut() {
        return connectTimeout.plus(readTimeout);
    }

    /** PUT {url}/_matrix/app/v1/transactions/{txnId}; any 2xx means delivered. Never throws. */
    public SendResult send(AppService as, OutgoingTransaction txn) {
        byte[] body = txn.body().getBytes(StandardCharsets.UTF_8);
        try (Response response = request(as, "_matrix/app/v1/transactions/" + txn.txnId())
                .put(Entity.entity(body, MediaType.APPLICATION_JSON_TYPE))) {
            // Read to the end, so that the connection can be reused and a cut answer is no answer.
            response.bufferEntity();
            int expected = response.getLength();
            int got = response.hasEntity() ? response.readEntity(byte[].class).length : 0;
            if (expected >= 0 && got != expected) {
                return SendResult.noAnswer("connection closed mid-response: " + got + " of " + expected
                        + " bytes of an HTTP " + response.getStatus());
            }
            return SendResult.answered(response.getStatus());
        } catch (ProcessingException e) {
            return SendResult.noAnswer(Secrets.mask(describe(e)));
        }
    }

    /**
     * POST {url}/_matrix/app/v1/ping. Returns the response (which the caller closes); throws
     * {@link ProcessingException} when there is none.
     */
    public Response ping(AppService as, String transactionId) {
        JsonObjectBuilder body = JSON.createObjectBuilder();
        if (transactionId != null) {
            body.add("transaction_id", transactionId);
        }
        Response response = request(as, "_matrix/app/v1/ping")
                .post(Entity.entity(body.build().toString(), MediaType.APPLICATION_JSON_TYPE));
        response.bufferEntity();
        return response;
    }

    private Invocation.Builder request(AppService as, String path) {
        WebTarget target = client.target(as.url()).path(path);
        if (legacyAuthorization) {
            target = target.queryParam("access_token", as.hsToken());
        }
        return target.request(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + as.hsToken());
    }

    /** The root cause, named, for operators: e.g. "ConnectException: Connection refused". */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
