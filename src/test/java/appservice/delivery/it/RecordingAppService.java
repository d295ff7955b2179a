package appservice.delivery.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * An application service for tests: records every transaction PUT to it and every ping (id, body,
 * Authorization header, query, time) and answers with the status it is told to (200 by default),
 * optionally after a delay, with {@code {}} or a body of the size it is told to. One behind a {@link SlowLink}
 * can also pass its answers on one byte a second.
 */
public final class RecordingAppService implements AutoCloseable {

    /** One PUT (or ping POST) as the application service saw it. */
    public record Received(String txnId, String body, String authorization, String query, Instant at, int answered) {

        public JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }

        public List<String> eventIds() {
            List<String> ids = new ArrayList<>();
            for (JsonValue event : Json.createReader(new StringReader(body)).readObject().getJsonArray("events")) {
                ids.add(((JsonObject) event).getString("event_id"));
            }
            return ids;
        }
    }

    private final String id;
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Received> pings = new CopyOnWriteArrayList<>();
    private final AtomicInteger pingsArrived = new AtomicInteger();
    private volatile Function<String, Integer> status = body -> 200;
    private volatile int pingStatus = 200;
    private volatile Duration delay = Duration.ZERO;
    private volatile CountDownLatch gate;
    private final AtomicInteger arrivals = new AtomicInteger();
    private volatile long bodySize = -1;
    private final AtomicInteger dropped = new AtomicInteger();
    private final SlowLink slowLink;

    public RecordingAppService(String id) throws IOException {
        this(id, false);
    }

    /** With {@code slowLink}, the service reaches it through a {@link SlowLink}, which {@link #trickle} slows down. */
    public RecordingAppService(String id, boolean slowLink) throws IOException {
        this.id = id;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        this.slowLink = slowLink ? new SlowLink(server.getAddress().getPort()) : null;
    }

    public String id() {
        return id;
    }

    public String url() {
        return "http://127.0.0.1:" + (slowLink == null ? server.getAddress().getPort() : slowLink.port());
    }

    /** How fast its answers reach the service (it must have been made with a slow link). */
    public void trickle(SlowLink.Pace pace) {
        if (slowLink == null) {
            throw new IllegalStateException("AS " + id + " has no slow link (@AppServices slowLinks)");
        }
        slowLink.pace(pace);
    }

    /** Answers a 2xx with a JSON object of this many bytes (at least 14) instead of {@code {}} (-1: {@code {}}). */
    public void answerBodyOf(long bytes) {
        this.bodySize = bytes;
    }

    /** Answers the service hung up on before it had them whole. */
    public int droppedAnswers() {
        return dropped.get() + (slowLink == null ? 0 : slowLink.dropped());
    }

    public void answer(int status) {
        this.status = body -> status;
    }

    /** Answers each transaction with the status this function gives for its body. */
    public void answer(Function<String, Integer> statusForBody) {
        this.status = statusForBody;
    }

    public void answerPings(int status) {
        this.pingStatus = status;
    }

    public List<Received> pings() {
        return List.copyOf(pings);
    }

    /** Pings that have arrived, answered or not yet (still in their delay). */
    public int pingsArrived() {
        return pingsArrived.get();
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    /** From now on every request waits, in flight, until {@link #release}. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    /** Lets the held requests, and every one after, be answered. */
    public void release() {
        CountDownLatch held = gate;
        gate = null;
        if (held != null) {
            held.countDown();
        }
    }

    /** Waits until this many requests have arrived, answered or not (see {@link #awaitRequests}). */
    public void awaitArrivals(int requests, Duration timeout) {
        await(() -> arrivals.get() >= requests, timeout, () -> "AS " + id + " saw " + arrivals.get() + " of "
                + requests + " requests arrive");
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Transactions answered with a 2xx. */
    public List<Received> accepted() {
        return received.stream().filter(r -> r.answered() / 100 == 2).toList();
    }

    /** Event ids of accepted transactions, in the order they were accepted (ids repeated by retries once). */
    public List<String> deliveredEventIds() {
        List<String> ids = new ArrayList<>();
        for (Received r : accepted()) {
            ids.addAll(r.eventIds());
        }
        return ids;
    }

    /**
     * Event ids of accepted transactions, each transaction counted once (by its id), in the order they were
     * first accepted: what the application service has, deduplicating by transaction id as the spec asks.
     */
    public List<String> eventsOnce() {
        java.util.Map<String, Received> firstOfEach = new java.util.LinkedHashMap<>();
        for (Received txn : accepted()) {
            firstOfEach.putIfAbsent(txn.txnId(), txn);
        }
        return firstOfEach.values().stream().flatMap(t -> t.eventIds().stream()).toList();
    }

    public void awaitDelivered(int events, Duration timeout) {
        await(() -> deliveredEventIds().size() >= events, timeout,
                () -> "AS " + id + " got " + deliveredEventIds().size() + " of " + events + " events");
    }

    /** Waits until this many requests have been answered. */
    public void awaitRequests(int requests, Duration timeout) {
        await(() -> received.size() >= requests, timeout,
                () -> "AS " + id + " got " + received.size() + " of " + requests + " requests");
    }

    public static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out after " + timeout + ": " + what.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String prefix = "/_matrix/app/v1/transactions/";
            boolean ping = exchange.getRequestMethod().equals("POST") && path.equals("/_matrix/app/v1/ping");
            boolean transaction = exchange.getRequestMethod().equals("PUT") && path.startsWith(prefix);
            if (!ping && !transaction) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (ping) {
                pingsArrived.incrementAndGet();
            }
            arrivals.incrementAndGet();
            try {
                CountDownLatch held = gate;
                if (held != null && !held.await(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("held for two minutes and never released");
                }
                if (!delay.isZero()) {
                    Thread.sleep(delay.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int answer = ping ? pingStatus : status.apply(body);
            Received request = new Received(ping ? null : path.substring(prefix.length()), body, authorization,
                    query, Instant.now(), answer);
            (ping ? pings : received).add(request);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            long size = bodySize;
            if (answer / 100 == 2 && size >= 0) {
                exchange.sendResponseHeaders(answer, size);
                writePadded(exchange, size);
                return;
            }
            byte[] response = (answer / 100 == 2 ? "{}" : "{\"errcode\":\"M_UNKNOWN\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, response.length);
            exchange.getResponseBody().write(response);
        }
    }

    /** {@code {"padding":"xx...x"}}, {@code size} bytes in all, written in pieces (it may be many megabytes). */
    private void writePadded(HttpExchange exchange, long size) throws IOException {
        byte[] head = "{\"padding\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] padding = new byte[64 * 1024];
        Arrays.fill(padding, (byte) 'x');
        try {
            exchange.getResponseBody().write(head);
            for (long left = size - head.length - tail.length; left > 0; left -= padding.length) {
                exchange.getResponseBody().write(padding, 0, (int) Math.min(left, padding.length));
            }
            exchange.getResponseBody().write(tail);
        } catch (IOException e) {
            dropped.incrementAndGet(); // the service hung up before it had the whole answer
            throw e;
        }
    }

    @Override
    public void close() {
        if (slowLink != null) {
            slowLink.close();
        }
        server.stop(0);
    }
}
