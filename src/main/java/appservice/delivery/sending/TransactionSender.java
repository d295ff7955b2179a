package appservice.delivery.sending;

import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.OutgoingTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Puts a transaction to an application service over HTTP, as the application service API defines. */
@ApplicationScoped
public class TransactionSender {

    @Inject
    @ConfigProperty(name = "delivery.http.connect-timeout", defaultValue = "PT15S")
    Duration connectTimeout;

    @Inject
    @ConfigProperty(name = "delivery.http.read-timeout", defaultValue = "PT60S")
    Duration readTimeout;

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

    /** PUT {url}/_matrix/app/v1/transactions/{txnId}; any 2xx means delivered. Never throws. */
    public SendResult send(AppService as, OutgoingTransaction txn) {
        byte[] body = txn.body().getBytes(StandardCharsets.UTF_8);
        try (Response response = client.target(as.url())
                .path("_matrix/app/v1/transactions/{txnId}")
                .resolveTemplate("txnId", txn.txnId())
                .request(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + as.hsToken())
                .put(Entity.entity(body, MediaType.APPLICATION_JSON_TYPE))) {
            int status = response.getStatus();
            response.bufferEntity(); // read to the end so the connection can be reused
            return status / 100 == 2 ? SendResult.ok() : SendResult.failed("HTTP " + status);
        } catch (ProcessingException e) {
            return SendResult.failed(describe(e));
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
