package appservice.delivery.ping;

import appservice.delivery.Tokens;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.sending.Answer;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.sending.TransactionSender;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /_matrix/client/v1/appservice/{appserviceId}/ping}: the application service asks the
 * homeserver to ping it. Authenticated with its own as_token. A successful ping of a DOWN application
 * service makes its recoverer retry now.
 *
 * <p>Anyone can call it, so it spends nothing on a caller it does not know: the token is checked before
 * a byte of the body is read (a body taken as a String was read whole, at any size, first), the body is
 * read up to {@link PingBody#LIMIT} only, and each application service has at most one ping in flight,
 * so that its callers can hold at most one request thread waiting for its answer.
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

    /** The application services with a ping in flight. */
    private final Set<String> pinging = ConcurrentHashMap.newKeySet();

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response ping(@PathParam("appserviceId") String appserviceId,
                        @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @Context HttpHeaders headers,
                        InputStream body) {
        Optional<AppService> as = registrations.find(appserviceId)
                .filter(candidate -> Tokens.bearerMatches(authorization, candidate.asToken()));
        if (as.isEmpty()) {
            return PingOutcome.forbidden().response();
        }
        if (headers.getLength() > PingBody.LIMIT) {
            return PingOutcome.tooLarge().response();
        }
        if (!pinging.add(appserviceId)) {
            return PingOutcome.alreadyPinging().response();
        }
        try {
            return ping(as.get(), body).response();
        } finally {
            pinging.remove(appserviceId);
        }
    }

    private PingOutcome ping(AppService as, InputStream body) {
        String transactionId;
        try {
            transactionId = PingBody.transactionId(body);
        } catch (PingBody.TooLargeException e) {
            return PingOutcome.tooLarge();
        } catch (IOException e) {
            return PingOutcome.badJson("cannot read it: " + e.getMessage());
        } catch (RuntimeException e) {
            return PingOutcome.badJson(e.getMessage());
        }
        if (!as.pushes()) {
            return PingOutcome.urlNotSet();
        }
        long start = System.nanoTime();
        PingOutcome outcome;
        try {
            Answer answer = sender.ping(as, transactionId);
            long millis = (System.nanoTime() - start) / 1_000_000;
            outcome = PingOutcome.answered(answer.status(), answer.text(), millis);
        } catch (ProcessingException e) {
            outcome = PingOutcome.noAnswer(e);
        }
        if (outcome.status() == 200) {
            dispatcher.retryNow(as.id());
        }
        return outcome;
    }
}
