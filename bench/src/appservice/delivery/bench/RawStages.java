package appservice.delivery.bench;

import appservice.delivery.Schema;
import appservice.delivery.broker.EmbeddedBroker;
import appservice.delivery.it.DeliveryFixture;
import appservice.delivery.it.Publisher;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The raw limits of the three stages an event passes through, each alone, with the service's messages,
 * rows and bodies and the same durability: what the broker, the database and HTTP could give if the
 * service cost nothing. Each stage is tried in a few patterns; the best is its limit.
 */
final class RawStages {

    /** One pattern's throughput, in events per second. */
    record Measured(String pattern, double eventsPerSecond) {
    }

    private final Path dir;
    private final int events;

    RawStages(Path dir, int events) {
        this.dir = dir;
        this.events = events;
    }

    /**
     * Persistent produce then consume of the same envelopes through TCP, on the service's embedded broker
     * started in this JVM: 1 or 2 producers committing every 100 (as the end-to-end runs publish), and 1
     * or 4 consumers (the service's MDB has 4 sessions) committing their acknowledgements every 100, all at
     * once; from the first send to the last consumer commit.
     */
    List<Measured> broker() throws Exception {
        List<Measured> results = new ArrayList<>();
        for (int[] pattern : new int[][] {{1, 1}, {1, 4}, {2, 4}}) {
            results.add(new Measured(String.format("%d producer%s, %d consumer%s, commits every 100", pattern[0],
                    pattern[0] == 1 ? "" : "s", pattern[1], pattern[1] == 1 ? "" : "s"), brokerOnce(pattern[0], pattern[1])));
        }
        return results;
    }

    private double brokerOnce(int producers, int consumers) throws Exception {
        Path brokerDir = dir.resolve("broker");
        DeliveryFixture.wipe(brokerDir);
        int port = freePort();
        // The service's own embedded broker, configured as the service configures it. Its memory limit is an
        // eighth of this JVM's heap, which bench/run gives the service's -Xmx512m for that reason.
        EmbeddedActiveMQ broker = EmbeddedBroker.start(brokerDir, "tcp://127.0.0.1:" + port, Publisher.QUEUE);
        String url = "tcp://127.0.0.1:" + port;
        ExecutorService threads = Executors.newFixedThreadPool(consumers);
        try {
            AtomicInteger consumed = new AtomicInteger();
            AtomicLong lastCommit = new AtomicLong();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                running.add(threads.submit(() -> consume(url, consumed, lastCommit)));
            }
            long start = System.nanoTime();
            new BenchPublisher(url, List.of("as0")).publish(0, events, producers);
            for (Future<?> consumer : running) {
                consumer.get();
            }
            return events / Bench.seconds(lastCommit.get() - start);
        } finally {
            threads.shutdownNow();
            broker.stop();
        }
    }

    private Void consume(String url, AtomicInteger consumed, AtomicLong lastCommit) {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
             JMSContext context = factory.createContext(JMSContext.SESSION_TRANSACTED);
             JMSConsumer consumer = context.createConsumer(context.createQueue(Publisher.QUEUE))) {
            int uncommitted = 0;
            while (consumed.get() < events) {
                boolean got = consumer.receive(20) != null;
                if (got) {
                    uncommitted++;
                }
                // A short wait with nothing new (the other consumers' groups, or the end): commit what it has.
                if (uncommitted == 100 || !got && uncommitted > 0) {
                    context.commit();
                    consumed.addAndGet(uncommitted);
                    lastCommit.accumulateAndGet(System.nanoTime(), Math::max);
                    uncommitted = 0;
                }
            }
        }
        return null;
    }

    /**
     * Inserts the rows the service stores for these events into a {@code pending_event} table made by the
     * service's own schema code (in a schema of its own, {@code bench_raw}), then deletes them, with
     * synchronous commits: in batches of 100 or 1,000 rows per commit (multi-row inserts, range deletes),
     * from 1 or 2 connections. Ids come from the bench, as a sequence handing out blocks would give them.
     */
    List<Measured> database(String url, String user, String password) throws Exception {
        List<Measured> results = new ArrayList<>();
        for (int connections : new int[] {1, 2}) {
            for (int perCommit : new int[] {100, 1000}) {
                results.add(new Measured(String.format("%,d rows per commit, %d connection%s", perCommit,
                        connections, connections == 1 ? "" : "s"),
                        databaseOnce(url, user, password, perCommit, connections)));
            }
        }
        return results;
    }

    private double databaseOnce(String url, String user, String password, int perCommit, int connections)
            throws Exception {
        String rawUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=bench_raw&reWriteBatchedInserts=true";
        try (Connection connection = DriverManager.getConnection(url, user, password);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE");
            statement.execute("CREATE SCHEMA bench_raw");
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(rawUrl);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        Schema.create(dataSource); // the service's own DDL, so the table never drifts from it
        String json = eventJson(0);
        List<Callable<Void>> workers = new ArrayList<>();
        CyclicBarrier insertsDone = new CyclicBarrier(connections);
        for (int c = 0; c < connections; c++) {
            long first = (long) events * c / connections + 1;
            long last = (long) events * (c + 1) / connections;
            workers.add(() -> {
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("SET synchronous_commit = on");
                    }
                    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO pending_event"
                            + " (id, as_id, kind, event_json, received_at) VALUES (?, ?, 'event', ?, ?)")) {
                        for (long id = first; id <= last; id++) {
                            insert.setLong(1, id);
                            insert.setString(2, "as0");
                            insert.setString(3, json.replace("$0", "$" + id));
                            insert.setLong(4, System.currentTimeMillis());
                            insert.addBatch();
                            if ((id - first + 1) % perCommit == 0 || id == last) {
                                insert.executeBatch();
                                connection.commit();
                            }
                        }
                    }
                    insertsDone.await();
                    try (PreparedStatement delete = connection.prepareStatement(
                            "DELETE FROM pending_event WHERE as_id = ? AND id BETWEEN ? AND ?")) {
                        for (long from = first; from <= last; from += perCommit) {
                            delete.setString(1, "as0");
                            delete.setLong(2, from);
                            delete.setLong(3, Math.min(last, from + perCommit - 1));
                            delete.executeUpdate();
                            connection.commit();
                        }
                    }
                }
                return null;
            });
        }
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        try {
            long start = System.nanoTime();
            for (Future<Void> worker : threads.invokeAll(workers)) {
                worker.get();
            }
            return events / Bench.seconds(System.nanoTime() - start);
        } finally {
            threads.shutdownNow();
        }
    }

    /** The event as the service stores and sends it: the envelope's {@code event} object. */
    static String eventJson(int n) {
        String envelope = BenchPublisher.envelope(n, List.of("as0"));
        return envelope.substring(envelope.indexOf("\"event\":{") + "\"event\":".length(), envelope.length() - 1);
    }

    /**
     * PUTs of 100-event bodies, as the service sends them ({@code {"events":[...]}}, HttpURLConnection as
     * Jersey's default connector, keep-alive), to the same receiver as the end-to-end runs: from
     * {@code senders} threads, each to its own application service address, one PUT at a time.
     */
    double http(int senders) throws Exception {
        int puts = events / 100;
        List<byte[]> bodies = new ArrayList<>();
        for (int put = 0; put < puts; put++) {
            StringBuilder body = new StringBuilder("{\"events\":[");
            for (int n = put * 100; n < put * 100 + 100; n++) {
                body.append(n == put * 100 ? "" : ",").append(eventJson(n));
            }
            bodies.add(body.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        }
        try (RecordingReceiver receiver = new RecordingReceiver(senders)) {
            receiver.track(puts * 100);
            ExecutorService threads = Executors.newFixedThreadPool(senders);
            try {
                List<Callable<Void>> workers = new ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    workers.add(() -> {
                        for (int put = sender; put < puts; put += senders) {
                            put(receiver.url(sender) + "/_matrix/app/v1/transactions/" + put, bodies.get(put));
                        }
                        return null;
                    });
                }
                long start = System.nanoTime();
                for (Future<Void> worker : threads.invokeAll(workers)) {
                    worker.get();
                }
                receiver.await(puts * 100, Duration.ofSeconds(30), () -> true, () -> "raw HTTP");
                return puts * 100 / Bench.seconds(receiver.lastArrival(0, puts * 100) - start);
            } finally {
                threads.shutdownNow();
            }
        }
    }

    private static void put(String url, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        connection.setRequestMethod("PUT");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setRequestProperty("Accept", "application/json");
        connection.setRequestProperty("Authorization", "Bearer hs-as0");
        connection.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        try (InputStream in = connection.getInputStream()) {
            in.readAllBytes(); // read to the end so that the connection is kept alive
        }
        if (status != 200) {
            throw new IOException("HTTP " + status + " from " + url);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
