package appservice.delivery.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * An application service for long fault runs: answers 200, or 503 while {@link #down}, and keeps its
 * {@link Receipts}.
 */
final class CountingAppService implements AutoCloseable {

    private static final String PREFIX = "/_matrix/app/v1/transactions/";

    private final String id;
    private final HttpServer server;
    private final Receipts receipts = new Receipts();
    private volatile boolean down;

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

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("PUT") || !path.startsWith(PREFIX)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            boolean ok = !down;
            receipts.record(path.substring(PREFIX.length()), body, ok);
            byte[] response = (ok ? "{}" : "{\"errcode\":\"M_UNKNOWN\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(ok ? 200 : 503, response.length);
            exchange.getResponseBody().write(response);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
