package appservice.delivery.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The application services' end of the bench: a JDK HTTP server per application service (each its own
 * address, as real ones are, so the service's HTTP client keeps a connection to each), sharing one small
 * pool of threads and one record. It answers each transaction 200 (or 503 while {@link #down}) and records when each
 * tracked event first arrived, by the number in its id ({@code $<n>}), so a retried transaction counts
 * its events once and a latency is arrival minus publish, both clocks in this JVM.
 */
final class RecordingReceiver implements AutoCloseable {

    static {
        // Without it the JDK server writes a response's headers and body in two TCP segments and the second
        // waits for the client's delayed acknowledgement: 40 ms per transaction that no real server adds.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final byte[] EVENT_ID = "\"event_id\":\"$".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "{}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAVAILABLE = "{\"errcode\":\"M_UNKNOWN\"}".getBytes(StandardCharsets.UTF_8);

    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicLong firstOk = new AtomicLong();
    private volatile AtomicLongArray arrivals = new AtomicLongArray(0);
    private volatile boolean down;

    /** {@code addresses} servers, one per application service. */
    RecordingReceiver(int addresses) {
        for (int i = 0; i < addresses; i++) {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
                server.setExecutor(pool);
                server.createContext("/", this::handle);
                server.start();
                servers.add(server);
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The base URL of application service {@code i}. */
    String url(int i) {
        return "http://127.0.0.1:" + servers.get(i).getAddress().getPort();
    }

    /** Forgets what arrived and tracks events {@code $0} to {@code $(events - 1)}. */
    void track(int events) {
        arrivals = new AtomicLongArray(events);
        received.set(0);
        firstOk.set(0);
    }

    /** While down, every transaction is answered 503 and nothing is recorded. */
    void down(boolean down) {
        this.down = down;
    }

    /** Distinct tracked events received. */
    int received() {
        return received.get();
    }

    /** When event {@code $n} first arrived (System.nanoTime), 0 if it has not. */
    long arrival(int n) {
        return arrivals.get(n);
    }

    /** The latest arrival among events {@code from} to {@code to - 1}: when the last of them was answered 200. */
    long lastArrival(int from, int to) {
        long last = 0;
        for (int n = from; n < to; n++) {
            last = Math.max(last, arrivals.get(n));
        }
        return last;
    }

    /** When the first 200 was answered since {@link #track}. */
    long firstOk() {
        return firstOk.get();
    }

    /**
     * Waits until {@code events} distinct events have arrived; fails when {@code alive} turns false or
     * nothing new arrives for {@code stall}.
     */
    void await(int events, Duration stall, BooleanSupplier alive, Supplier<String> context) {
        int seen = received();
        long lastProgress = System.nanoTime();
        while (received() < events) {
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException("the service died with " + received() + " of " + events
                        + " events received\n" + context.get());
            }
            int now = received();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                throw new IllegalStateException("no event arrived for " + stall + ", " + now + " of " + events
                        + " received\n" + context.get());
            }
            Bench.sleep(Duration.ofMillis(20));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            long now = System.nanoTime();
            if (down) {
                respond(exchange, 503, UNAVAILABLE);
                return;
            }
            firstOk.compareAndSet(0, now);
            record(body, now);
            respond(exchange, 200, OK);
        }
    }

    /** Scans the body for event ids instead of parsing it: the receiver must cost far less than the service. */
    private void record(byte[] body, long now) {
        AtomicLongArray tracked = arrivals;
        int at = 0;
        while ((at = indexOf(body, EVENT_ID, at)) >= 0) {
            at += EVENT_ID.length;
            int n = 0;
            int digits = 0;
            while (at < body.length && body[at] >= '0' && body[at] <= '9') {
                n = n * 10 + (body[at++] - '0');
                digits++;
            }
            if (digits > 0 && n < tracked.length() && tracked.compareAndSet(n, 0, now)) {
                received.incrementAndGet();
            }
        }
    }

    private static int indexOf(byte[] text, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= text.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (text[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        servers.forEach(server -> server.stop(0));
        pool.shutdownNow();
    }
}
