package appservice.delivery.sending;

import static appservice.delivery.JsonFactory.JSON;

import appservice.delivery.Secrets;
import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.OutgoingTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
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
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Talks to application services over HTTP, as the application service API defines: transactions and pings.
 * Each request has a deadline for the whole of it, and no more than {@link Answer#MAX_BODY} of an answer is
 * read; a PUT in flight is given up on when this instance can no longer be sure of its lease ({@link Leases}).
 */
@ApplicationScoped
public class TransactionSender {

    private static final Logger LOG = Logger.getLogger(TransactionSender.class.getName());

    @Inject
    @ConfigProperty(name = "delivery.http.connect-timeout", defaultValue = "PT15S")
    Duration connectTimeout;

    /** The deadline of a whole request, from its start to the last byte of its answer (so also of each read). */
    @Inject
    @ConfigProperty(name = "delivery.http.read-timeout", defaultValue = "PT60S")
    Duration readTimeout;

    /** Deprecated by the spec: also send the hs_token as {@code ?access_token=}, for old application services. */
    @Inject
    @ConfigProperty(name = "delivery.legacy-authorization", defaultValue = "false")
    boolean legacyAuthorization;

    /** Unresolvable where the server's client is another: each class loads on its own server only. */
    @Inject
    Instance<JerseyConnections> jersey;

    @Inject
    Instance<ResteasyConnections> resteasy;

    @Resource
    ManagedThreadFactory threadFactory;

    private Client client;

    /** Gives up on the requests whose deadline passes. */
    private ScheduledThreadPoolExecutor deadlines;

    /** Closes the connections given up on: a close can wait for a read to return (see {@link JerseyConnections}). */
    private ExecutorService closing;

    /** The PUT in flight to each application service. */
    private final Map<String, Exchange> putting = new ConcurrentHashMap<>();

    @PostConstruct
    void open() {
        deadlines = new ScheduledThreadPoolExecutor(1, threadFactory);
        deadlines.setRemoveOnCancelPolicy(true); // every request schedules its deadline, and nearly all cancel it
        closing = Executors.newCachedThreadPool(threadFactory);
        // Through the interface: a call typed with the class would make this one need the other server's classes.
        Connections connections = null;
        if (jersey.isResolvable()) {
            connections = jersey.get();
        } else if (resteasy.isResolvable()) {
            connections = resteasy.get();
        }
        ClientBuilder builder;
        if (connections != null) {
            builder = connections.clientBuilder(connectTimeout, readTimeout);
        } else {
            LOG.warning("This server's JAX-RS client is neither Jersey nor RESTEasy: a request to an application"
                    + " service cannot be cut off at delivery.http.read-timeout, only a read that waits that long");
            builder = ClientBuilder.newBuilder()
                    .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .property("jersey.config.client.followRedirects", false);
        }
        client = builder.build();
    }

    @PreDestroy
    void close() {
        deadlines.shutdownNow();
        closing.shutdownNow();
        client.close();
    }

    /** The longest a PUT can take, connecting included. */
    public Duration longestPut() {
        return connectTimeout.plus(readTimeout);
    }

    /** PUT {url}/_matrix/app/v1/transactions/{txnId}; any 2xx means delivered. Never throws. */
    public SendResult send(AppService as, OutgoingTransaction txn) {
        byte[] body = txn.body().getBytes(StandardCharsets.UTF_8);
        Exchange exchange = new Exchange(closing);
        putting.put(as.id(), exchange);
        try {
            Answer answer = exchange(exchange, () -> request(as, "_matrix/app/v1/transactions/" + txn.txnId())
                    .put(Entity.entity(body, MediaType.APPLICATION_JSON_TYPE)));
            return SendResult.answered(answer.status());
        } catch (ProcessingException e) {
            return SendResult.noAnswer(e.getMessage());
        } finally {
            putting.remove(as.id(), exchange);
        }
    }

    /**
     * POST {url}/_matrix/app/v1/ping. Returns the answer; throws {@link ProcessingException} when there is
     * none, caused by an {@link HttpTimeoutException} when there was none by the deadline.
     */
    public Answer ping(AppService as, String transactionId) {
        JsonObjectBuilder body = JSON.createObjectBuilder();
        if (transactionId != null) {
            body.add("transaction_id", transactionId);
        }
        String json = body.build().toString();
        return exchange(new Exchange(closing), () -> request(as, "_matrix/app/v1/ping")
                .post(Entity.entity(json, MediaType.APPLICATION_JSON_TYPE)));
    }

    /** Gives up on the PUT in flight to the application service, if any: it fails with this reason. */
    void abandon(String asId, String reason) {
        Exchange exchange = putting.get(asId);
        if (exchange != null) {
            giveUp(exchange, reason);
        }
    }

    /** Gives up on every PUT in flight: each fails with this reason. */
    void abandonAll(String reason) {
        putting.values().forEach(exchange -> giveUp(exchange, reason));
    }

    /** Closes the exchange's connection, and again every second until its requester has finished. */
    private void giveUp(Exchange exchange, String reason) {
        if (exchange.abandon(reason)) {
            closeAgainLater(exchange);
        }
    }

    private void closeAgainLater(Exchange exchange) {
        deadlines.schedule(() -> {
            if (exchange.closeAgain()) {
                closeAgainLater(exchange);
            }
        }, 1, TimeUnit.SECONDS);
    }

    /**
     * Makes the request and reads its answer within the deadline. Throws {@link ProcessingException} with
     * the reason for operators when there was no (whole) answer.
     */
    private Answer exchange(Exchange exchange, Supplier<Response> request) {
        String late = "no whole answer within " + readTimeout + " (delivery.http.read-timeout)";
        long started = System.nanoTime();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> giveUp(exchange, late), readTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            Answer answer;
            try {
                answer = read(exchange, exchange.request(request));
            } catch (IOException | RuntimeException e) {
                // A connection given up on fails in whatever way its client notices first, and a read that
                // timed out by itself did so past the deadline: either way, the reason is the giving up.
                Optional<String> givenUp = givenUp(exchange, started, late);
                throw givenUp.isPresent() ? givenUpOn(givenUp.get())
                        : new ProcessingException(Secrets.mask(describe(e)), e);
            }
            Optional<String> givenUp = givenUp(exchange, started, late);
            Optional<String> missing = answer.missing(givenUp);
            if (missing.isPresent()) {
                throw missing.equals(givenUp) ? givenUpOn(missing.get()) : new ProcessingException(missing.get());
            }
            return answer;
        } finally {
            deadline.cancel(false);
        }
    }

    /** Why the exchange was given up on, if it was, or the deadline if it has passed meanwhile. */
    private Optional<String> givenUp(Exchange exchange, long started, String late) {
        Optional<String> abandoned = exchange.finish();
        if (abandoned.isEmpty() && System.nanoTime() - started >= readTimeout.toNanos()) {
            return Optional.of(late);
        }
        return abandoned;
    }

    /** Caused by a timeout, as a ping is given up on only at its deadline (a PUT also when its lease is lost). */
    private static ProcessingException givenUpOn(String reason) {
        return new ProcessingException(reason, new HttpTimeoutException(reason));
    }

    /**
     * Reads at most {@link Answer#MAX_BODY} of the answer. An answer not read to its end is dropped with its
     * connection, never read further or kept for another request.
     */
    private static Answer read(Exchange exchange, Response response) throws IOException {
        boolean whole = false;
        try {
            InputStream in = body(response);
            Answer answer = in == null ? Answer.withoutBody(response.getStatus(), response.getLength())
                    : Answer.read(response.getStatus(), response.getLength(), exchange.reading(in));
            whole = in == null ? response.getLength() <= 0 : !answer.overflowed();
            return answer;
        } finally {
            if (whole) {
                response.close();
            } else {
                // Closing the response would read the rest first, and RESTEasy's reads it all.
                exchange.drop();
                try {
                    response.close();
                } catch (ProcessingException e) {
                    // Its connection is closed already: all that can fail is reading what nobody wants.
                }
            }
        }
    }

    /** The answer's body, or null when it has none. RESTEasy's hasEntity() counts only a body with a Content-Type. */
    private static InputStream body(Response response) {
        if (response.hasEntity()) {
            return response.readEntity(InputStream.class);
        }
        if (response.getLength() == 0) {
            return null;
        }
        try {
            return response.readEntity(InputStream.class);
        } catch (IllegalStateException | ProcessingException e) {
            return null; // there is no body at all
        }
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
