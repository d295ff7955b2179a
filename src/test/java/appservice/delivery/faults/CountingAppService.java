package appservice.delivery.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application service for long fault runs: answers 200, or 503 while {@link #down}, keeps its
 * {@link Receipts}, and sees whether two transactions ever reached it at once.
 */
final class CountingAppService implements AutoCloseable {

    private static final String PREFIX = "/_matrix/app/v1/transactions/";

    private final String id;
    private final HttpServer server;
    private final Receipts receipts = new Receipts();
    private volatile boolean down;
    private volatile java.time.Duration delay = java.time.Duration.ZERO;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> answered = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();

    CountingAppService(String id) throws IOException {
        this.id = id;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String id() {
        return id;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** While down, every transaction is answered 503. */
    void down(boolean down) {
        this.down = down;
    }

    /** Each transaction is answered only after this long (held in flight meanwhile). */
    void delay(java.time.Duration delay) {
        this.delay = delay;
    }

    /** How many transactions have arrived (answered or not yet). */
    int requests() {
        return requests.get();
    }

    /** Each transaction answered, in order: its id and the status it got. */
    List<String> answered() {
        return List.copyOf(answered);
    }

    Receipts receipts() {
        return receipts;
    }

    int deliveredCount() {
        return receipts.deliveredCount();
    }

    void awaitDelivered(int events) {
        appservice.delivery.it.RecordingAppService.await(() -> deliveredCount() >= events,
                java.time.Duration.ofMinutes(2), () -> id + " got " + deliveredCount() + " of " + events + " events");
    }

    /** The most transactions it was ever handling at once (the service sends it one at a time). */
    int mostInFlight() {
        return mostInFlight.get();
    }

    /**
     * A transaction is in flight from its arrival until it is answered. The count goes down before the
     * answer is sent: once the service has it, it may send the next one at once, which could otherwise
     * arrive while this thread has not yet counted the first one out.
     */
    private void handle(HttpExchange exchange) throws IOException {
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        requests.incrementAndGet();
        int status;
        byte[] response;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("PUT") || !path.startsWith(PREFIX)) {
                status = 404;
                response = new byte[0];
            } else {
                boolean ok = !down;
                receipts.record(path.substring(PREFIX.length()), body, ok);
                status = ok ? 200 : 503;
                answered.add(path.substring(PREFIX.length()) + " " + status);
                response = (ok ? "{}" : "{\"errcode\":\"M_UNKNOWN\"}").getBytes(StandardCharsets.UTF_8);
            }
        } finally {
            inFlight.decrementAndGet();
        }
        try (exchange) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                exchange.getResponseBody().write(response);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Several of them, started and closed together. */
    record Group(List<CountingAppService> all) implements AutoCloseable {

        static Group of(List<String> ids) throws IOException {
            List<CountingAppService> started = new ArrayList<>();
            try {
                for (String id : ids) {
                    started.add(new CountingAppService(id));
                }
            } catch (IOException | RuntimeException e) {
                started.forEach(CountingAppService::close);
                throw e;
            }
            return new Group(List.copyOf(started));
        }

        CountingAppService named(String id) {
            return all.stream().filter(as -> as.id().equals(id)).findFirst().orElseThrow();
        }

        /** Their ids and URLs, for the registrations. */
        Map<String, String> urls() {
            Map<String, String> urls = new LinkedHashMap<>();
            all.forEach(as -> urls.put(as.id(), as.url()));
            return urls;
        }

        int deliveredCount() {
            return all.stream().mapToInt(CountingAppService::deliveredCount).sum();
        }

        @Override
        public void close() {
            all.forEach(CountingAppService::close);
        }
    }
}
