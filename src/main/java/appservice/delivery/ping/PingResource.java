package appservice.delivery.ping;

import appservice.delivery.Tokens;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.sending.Answer;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.sending.TransactionSender;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.StringReader;
import java.util.Optional;

/**
 * {@code POST /_matrix/client/v1/appservice/{appserviceId}/ping}: the application service asks the
 * homeserver to ping it. Authenticated with its own as_token. A successful ping of a DOWN application
 * service makes its recoverer retry now.
 */
@Path("_matrix/client/v1/appservice/{appserviceId}/ping")
@ApplicationScoped
public class PingResource {

    @Inject
    Registrations registrations;

    @Inject
    TransactionSender sender;

    @Inject
    Dispatcher dispatcher;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response ping(@PathParam("appserviceId") String appserviceId,
                        @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        Optional<AppService> as = registrations.find(appserviceId)
                .filter(candidate -> Tokens.bearerMatches(authorization, candidate.asToken()));
        if (as.isEmpty()) {
            return PingOutcome.forbidden().response();
        }
        String transactionId;
        try {
            transactionId = transactionId(body);
        } catch (RuntimeException e) {
            return PingOutcome.badJson(e.getMessage()).response();
        }
        if (!as.get().pushes()) {
            return PingOutcome.urlNotSet().response();
        }
        long start = System.nanoTime();
        PingOutcome outcome;
        try {
            Answer answer = sender.ping(as.get(), transactionId);
            long millis = (System.nanoTime() - start) / 1_000_000;
            outcome = PingOutcome.answered(answer.status(), answer.text(), millis);
        } catch (ProcessingException e) {
            outcome = PingOutcome.noAnswer(e);
        }
        if (outcome.status() == 200) {
            dispatcher.retryNow(appserviceId);
        }
        return outcome.response();
    }

    private static String transactionId(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        JsonObject object = Json.createReader(new StringReader(body)).readObject();
        JsonValue id = object.get("transaction_id");
        if (id == null || id.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(id instanceof JsonString string)) {
            throw new IllegalArgumentException("'transaction_id' must be a string");
        }
        return string.getString();
    }
}
