package appservice.delivery.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application service that misbehaves at the HTTP level for its first few transactions, then
 * answers 200: a plain socket server, so that it can also answer garbage, cut its answer short, not
 * listen at all, or answer too late. Every transaction it reads goes into its {@link Receipts}.
 */
final class MisbehavingAppService implements AutoCloseable {

    /** What the application service does instead of a 200. */
    enum Misbehaviour {
        STATUS_500, STATUS_503, STATUS_404, STATUS_401,
        /** Bytes that are not HTTP, then the connection closed. */
        GARBAGE,
        /** Not listening: connection refused, until {@link #listen()}. */
        REFUSED,
        /** Answers 200 only after {@link #SLOW}, past the service's read timeout. */
        TOO_SLOW,
        /** A 200 status line and headers, half of the body, then the connection closed. */
        CLOSED_MID_RESPONSE,
        /** A 307 to a path of its own that would answer 200: following it would deliver nothing. */
        REDIRECT
    }

    static final Duration SLOW = Duration.ofSeconds(8);

    private static final String PREFIX = "/_matrix/app/v1/transactions/";

    private final String id;
    private final Misbehaviour misbehaviour;
    private final int failures;
    private final int port;
    private final Receipts receipts = new Receipts();
    private final AtomicInteger transactions = new AtomicInteger();
    private final AtomicInteger followed = new AtomicInteger();
    private final AtomicInteger hangsEnded = new AtomicInteger();
    private volatile ServerSocket server;

    /** Misbehaves for its first {@code failures} transactions (REFUSED: until {@link #listen()}). */
    MisbehavingAppService(String id, Misbehaviour misbehaviour, int failures) throws IOException {
        this.id = id;
        this.misbehaviour = misbehaviour;
        this.failures = failures;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        if (misbehaviour != Misbehaviour.REFUSED) {
            listen();
        }
    }

    String id() {
        return id;
    }

    Misbehaviour misbehaviour() {
        return misbehaviour;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    Receipts receipts() {
        return receipts;
    }

    /** Transactions that reached it (misbehaved at or answered). */
    int transactions() {
        return transactions.get();
    }

    /** Requests that followed its redirect. */
    int followed() {
        return followed.get();
    }

    /** Requests a slow one has finished hanging on (answered late, or given up on by the service). */
    int hangsEnded() {
        return hangsEnded.get();
    }

    /** Starts listening (a REFUSED one comes up). */
    synchronized void listen() throws IOException {
        if (server != null) {
            return;
        }
        server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "as-" + id);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread handler = new Thread(() -> handle(socket), "as-" + id + "-request");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            String[] requestLine = line(in).split(" ");
            Map<String, String> headers = new HashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            byte[] body = body(in, headers);
            String path = requestLine[1].split("\\?")[0];
            if (path.startsWith("/followed/")) {
                followed.incrementAndGet();
                respond(out, 200, "{}");
                return;
            }
            if (!requestLine[0].equals("PUT") || !path.startsWith(PREFIX)) {
                respond(out, 404, "{\"errcode\":\"M_UNRECOGNIZED\"}");
                return;
            }
            String txnId = path.substring(PREFIX.length());
            if (transactions.incrementAndGet() > failures || misbehaviour == Misbehaviour.REFUSED) {
                receipts.record(txnId, body, true);
                respond(out, 200, "{}");
                return;
            }
            receipts.record(txnId, body, false);
            misbehave(out, path);
        } catch (IOException e) {
            // the service gave up on this request (read timeout): as a real server sees it
        }
    }

    private void misbehave(OutputStream out, String path) throws IOException {
        switch (misbehaviour) {
            case STATUS_500 -> respond(out, 500, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Internal server error\"}");
            case STATUS_503 -> respond(out, 503, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Service unavailable\"}");
            case STATUS_404 -> respond(out, 404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Not found\"}");
            case STATUS_401 -> respond(out, 401, "{\"errcode\":\"M_UNAUTHORIZED\",\"error\":\"Unauthorized\"}");
            case GARBAGE -> out.write("\u0000\u00ffthis is not HTTP at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            case TOO_SLOW -> {
                try {
                    Thread.sleep(SLOW.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    hangsEnded.incrementAndGet();
                }
                respond(out, 200, "{}");
            }
            case CLOSED_MID_RESPONSE -> out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\nConnection: close\r\n\r\n{\"").getBytes(StandardCharsets.US_ASCII));
            case REDIRECT -> out.write(("HTTP/1.1 307 Temporary Redirect\r\nLocation: " + url() + "/followed" + path
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            case REFUSED -> throw new IllegalStateException("a refused application service answers nothing");
        }
        out.flush();
    }

    private static void respond(OutputStream out, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-request");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
            return body.toByteArray();
        }
        return in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
