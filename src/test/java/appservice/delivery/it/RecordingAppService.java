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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * An application service for tests: records every transaction PUT to it and every ping (id, body,
 * Authorization header, query, time) and answers with the status it is told to (200 by default),
 * optionally after a delay.
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

    public RecordingAppService(String id) throws IOException {
        this.id = id;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    public String id() {
        return id;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
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

    public void awaitDelivered(int events, Duration timeout) {
        await(() -> deliveredEventIds().size() >= events, timeout,
                () -> "AS " + id + " got " + deliveredEventIds().size() + " of " + events + " events");
    }

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
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int answer = ping ? pingStatus : status.apply(body);
            Received request = new Received(ping ? null : path.substring(prefix.length()), body, authorization,
                    query, Instant.now(), answer);
            (ping ? pings : received).add(request);
            byte[] response = (answer / 100 == 2 ? "{}" : "{\"errcode\":\"M_UNKNOWN\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer, response.length);
            exchange.getResponseBody().write(response);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
