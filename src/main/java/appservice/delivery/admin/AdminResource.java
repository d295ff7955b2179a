package appservice.delivery.admin;

import appservice.delivery.ingest.DeadLetters;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.DeadLetter;
import appservice.delivery.transactions.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The admin API: every application service's state at a glance, and the controls to retry, pause and
 * resume one, and to replay or dismiss what could not be delivered.
 */
@Path("api")
@AdminOnly
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    private static final Logger LOG = Logger.getLogger(AdminResource.class.getName());

    @Inject
    Registrations registrations;

    @Inject
    Transactions transactions;

    @Inject
    Dispatcher dispatcher;

    @Inject
    DeadLetters deadLetters;

    @Inject
    Replayer replayer;

    @GET
    @Path("appservices")
    public String appServices() {
        Overview overview = overview();
        JsonArrayBuilder list = Json.createArrayBuilder();
        registrations.all().forEach(as -> list.add(overview.of(as).toJson()));
        return list.build().toString();
    }

    @GET
    @Path("appservices/{id}")
    public Response appService(@PathParam("id") String id) {
        return registrations.find(id)
                .map(as -> Response.ok(overview().of(as).toJson().toString()).build())
                .orElseGet(() -> unknown(id));
    }

    /** A DOWN application service is retried now, as after a successful ping. */
    @POST
    @Path("appservices/{id}/retry")
    public Response retry(@PathParam("id") String id) {
        if (registrations.find(id).isEmpty()) {
            return unknown(id);
        }
        LOG.info("AS " + id + ": retry requested by an operator");
        dispatcher.retryNow(id);
        return appService(id);
    }

    @POST
    @Path("appservices/{id}/pause")
    public Response pause(@PathParam("id") String id) {
        if (registrations.find(id).isEmpty()) {
            return unknown(id);
        }
        transactions.pause(id, true);
        LOG.info("AS " + id + " PAUSED by an operator: items are stored, nothing is sent");
        return appService(id);
    }

    @POST
    @Path("appservices/{id}/resume")
    public Response resume(@PathParam("id") String id) {
        if (registrations.find(id).isEmpty()) {
            return unknown(id);
        }
        transactions.pause(id, false);
        LOG.info("AS " + id + " resumed by an operator");
        dispatcher.retryNow(id);
        return appService(id);
    }

    @GET
    @Path("dead-letters")
    public String deadLetterList(@QueryParam("offset") @DefaultValue("0") int offset,
                                 @QueryParam("limit") @DefaultValue("50") int limit) {
        JsonArrayBuilder items = Json.createArrayBuilder();
        for (DeadLetter letter : transactions.deadLetters(Math.max(0, offset), Math.min(Math.max(1, limit), 500))) {
            items.add(Json.createObjectBuilder()
                    .add("id", letter.id())
                    .add("kind", letter.item().kind())
                    .add("appservice_id", letter.asId() == null ? "" : letter.asId())
                    .add("message_id", letter.messageId() == null ? "" : letter.messageId())
                    .add("reason", letter.reason())
                    .add("at", Instant.ofEpochMilli(letter.createdAt()).toString())
                    .add("body", letter.listedBody())
                    .add("body_length", letter.bodyLength())
                    .add("body_sha256", letter.bodySha256())
                    .add("truncated", letter.listedBodyCut()));
        }
        return Json.createObjectBuilder()
                .add("total", transactions.deadLetterCount())
                .add("offset", offset)
                .add("items", items)
                .build().toString();
    }

    /**
     * Puts a dead letter back on the events queue and forgets it, once however often it is asked (a second
     * replay finds it gone: 404). A message whose stored body was cut goes back whole from its copy on the
     * dead-letter queue, or not at all (409) when that copy is gone.
     */
    @POST
    @Path("dead-letters/{id}/replay")
    public Response replay(@PathParam("id") long id) {
        Replayer.Replayed replayed = replayer.replay(id);
        switch (replayed.outcome()) {
            case NOT_FOUND:
                return noDeadLetter(id);
            case COPY_GONE:
                return AdminAuthorization.error(Response.Status.CONFLICT, "M_DEAD_LETTER_COPY_GONE", "Dead letter " + id
                        + " keeps only the first " + DeadLetter.MAX_BODY_BYTES + " of its " + replayed.letter().bodyLength()
                        + " bytes, and its whole copy (original_message_id " + replayed.letter().messageId()
                        + ") is no longer on the dead-letter queue: it cannot be replayed; dismiss it");
            default:
                DeadLetter letter = replayed.letter();
                if (letter.isMessage() && !letter.isTruncated()) {
                    deadLetters.remove(letter.messageId()); // a cut one's copy was moved back to the queue
                }
                LOG.info("Dead letter " + id + " replayed by an operator");
                return Response.noContent().build();
        }
    }

    /** An operator has seen a dead letter: it is forgotten (and its copy leaves the dead-letter queue). */
    @DELETE
    @Path("dead-letters/{id}")
    public Response dismiss(@PathParam("id") long id) {
        Optional<DeadLetter> letter = transactions.deadLetter(id);
        if (letter.isEmpty()) {
            return noDeadLetter(id);
        }
        forget(letter.get());
        LOG.info("Dead letter " + id + " dismissed by an operator");
        return Response.noContent().build();
    }

    private void forget(DeadLetter letter) {
        transactions.forgetDeadLetter(letter.id());
        if (letter.isMessage()) {
            deadLetters.remove(letter.messageId());
        }
    }

    private Overview overview() {
        Map<String, AppServiceState> states = new java.util.HashMap<>();
        transactions.states().forEach(s -> states.put(s.asId(), s));
        return new Overview(states, transactions.pendingCounts(), transactions.openTxnIds(),
                transactions.oldestPending(registrations.all()), System.currentTimeMillis());
    }

    private record Overview(Map<String, AppServiceState> states, Map<String, Long> pending,
                            Map<String, Long> openTxns, Map<String, Long> oldest, long now) {
        AppServiceStatus of(AppService as) {
            AppServiceState state = states.getOrDefault(as.id(), new AppServiceState(as.id()));
            return new AppServiceStatus(as, state, openTxns.get(as.id()), pending.getOrDefault(as.id(), 0L),
                    oldest.get(as.id()), now);
        }
    }

    private static Response unknown(String id) {
        return AdminAuthorization.error(Response.Status.NOT_FOUND, "M_NOT_FOUND", "No application service " + id);
    }

    private static Response noDeadLetter(long id) {
        return AdminAuthorization.error(Response.Status.NOT_FOUND, "M_NOT_FOUND", "No dead letter " + id);
    }
}
