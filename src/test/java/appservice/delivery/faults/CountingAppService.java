package appservice.delivery.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.stream.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application service for long fault runs: keeps, per transaction id, a digest of the first body it
 * got (and any id that came again with another body), and the event ids of each accepted transaction
 * once, in the order accepted. It answers 200, or 503 while {@link #down} — small enough to hold a
 * million events.
 */
final class CountingAppService implements AutoCloseable {

    private static final String PREFIX = "/_matrix/app/v1/transactions/";

    private final String id;
    private final HttpServer server;
    private final Map<String, String> digests = new HashMap<>();
    private final Set<String> twoContents = new HashSet<>();
    private final Set<String> accepted = new HashSet<>();
    private final List<String> delivered = new ArrayList<>();
    private final AtomicLong requests = new AtomicLong();
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

    long requests() {
        return requests.get();
    }

    synchronized int deliveredCount() {
        return delivered.size();
    }

    synchronized List<String> delivered() {
        return List.copyOf(delivered);
    }

    synchronized List<String> transactionsWithTwoContents() {
        return List.copyOf(twoContents);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("PUT") || !path.startsWith(PREFIX)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            requests.incrementAndGet();
            boolean ok = !down;
            record(path.substring(PREFIX.length()), body, ok);
            byte[] response = (ok ? "{}" : "{\"errcode\":\"M_UNKNOWN\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(ok ? 200 : 503, response.length);
            exchange.getResponseBody().write(response);
        }
    }

    private synchronized void record(String txnId, byte[] body, boolean ok) {
        String digest = digest(body);
        String first = digests.putIfAbsent(txnId, digest);
        if (first != null && !first.equals(digest)) {
            twoContents.add(txnId);
        }
        if (ok && accepted.add(txnId)) {
            delivered.addAll(eventIds(body));
        }
    }

    private static List<String> eventIds(byte[] body) {
        List<String> ids = new ArrayList<>();
        try (JsonParser parser = Json.createParser(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
            int depth = 0; // 1: the body, 2: its "events" array, 3: an event
            String list = null;
            while (parser.hasNext()) {
                JsonParser.Event event = parser.next();
                switch (event) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case KEY_NAME -> {
                        if (depth == 1) {
                            list = parser.getString();
                        } else if (depth == 3 && "events".equals(list) && parser.getString().equals("event_id")) {
                            parser.next();
                            ids.add(parser.getString());
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        return ids;
    }

    private static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
