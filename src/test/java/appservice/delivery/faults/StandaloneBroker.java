package appservice.delivery.faults;

import appservice.delivery.it.RecordingAppService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real ActiveMQ Artemis broker (the distribution in {@code artemis.home}) in its own process, as an
 * operator runs it, so that a test can kill -9 it and restart it on the same journal.
 */
public final class StandaloneBroker implements AutoCloseable {

    public static final String QUEUE = "appservice.events";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    // What Artemis 2.40 logs once its acceptors are open ("Server is now active").
    private static final String ACTIVE = "AMQ221007";

    // What a shared-store backup logs once it waits for its primary to fail, and once it has taken over.
    private static final String WAITING_BACKUP = "AMQ221109";
    private static final String BACKUP_ACTIVE = "AMQ221010";

    private final Path dir;
    private final int port;
    private final boolean backup;
    private Process process;
    private Path log;
    private int starts;

    /**
     * A broker instance in {@code dir}, created by {@code artemis create} unless it is already there; an existing
     * instance keeps its journal and is moved to a fresh port.
     */
    public StandaloneBroker(Path dir) {
        this(dir, freePort(), List.of(), false);
        if (Files.exists(this.dir.resolve("etc/broker.xml"))) {
            try {
                edit(this.dir.resolve("etc/broker.xml"), xml -> xml.replaceAll(
                        "tcp://127\\.0\\.0\\.1:\\d+", "tcp://127.0.0.1:" + port));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private StandaloneBroker(Path dir, int port, List<String> createOptions, boolean backup) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
        this.backup = backup;
        try {
            if (!Files.exists(this.dir.resolve("etc/broker.xml"))) {
                create(createOptions);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A primary and its backup on a shared store ({@code dir/shared}), clustered so that clients learn of the
     * backup: when the primary dies, the backup takes the journal over and the clients fail over to it.
     */
    public static Pair sharedStorePair(Path dir) {
        int primaryPort = freePort();
        int backupPort = freePort();
        String shared = dir.resolve("shared").toAbsolutePath().toString();
        List<String> common = List.of("--shared-store", "--failover-on-shutdown", "--clustered",
                "--cluster-user", "cluster", "--cluster-password", "cluster", "--data", shared);
        List<String> primary = new java.util.ArrayList<>(common);
        primary.addAll(List.of("--staticCluster", "tcp://127.0.0.1:" + backupPort));
        List<String> backup = new java.util.ArrayList<>(common);
        backup.addAll(List.of("--staticCluster", "tcp://127.0.0.1:" + primaryPort, "--backup"));
        return new Pair(new StandaloneBroker(dir.resolve("primary"), primaryPort, primary, false),
                new StandaloneBroker(dir.resolve("backup"), backupPort, backup, true));
    }

    /** A primary/backup pair; clients use {@link #url()}, which names both and fails over without limit. */
    public record Pair(StandaloneBroker primary, StandaloneBroker backup) implements AutoCloseable {

        public String url() {
            return "(" + primary.url() + "," + backup.url() + ")?ha=true&reconnectAttempts=-1";
        }

        /** Waits until the backup has taken over (after the primary died). */
        public void awaitBackupActive(Duration timeout) {
            RecordingAppService.await(() -> backup.log().contains(BACKUP_ACTIVE) && backup.accepts(), timeout,
                    () -> "the backup did not become active:\n" + backup.logTail());
        }

        @Override
        public void close() {
            primary.close();
            backup.close();
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Runs {@code bin/artemis run} and waits until the broker is active and accepts connections. */
    public StandaloneBroker start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        do {
            starts++;
            log = dir.resolve("broker-" + starts + ".log");
        } while (Files.exists(log));
        ProcessBuilder builder = new ProcessBuilder(dir.resolve("bin/artemis").toString(), "run");
        // etc/artemis.profile only sets its JVM options when JAVA_ARGS is empty.
        builder.environment().remove("JAVA_ARGS");
        builder.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RecordingAppService.await(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the broker exited with " + process.exitValue() + ":\n" + logTail());
            }
            // A backup opens no acceptor until its primary fails.
            return backup ? log().contains(WAITING_BACKUP) : log().contains(ACTIVE) && accepts();
        }, START_TIMEOUT, () -> "the broker is not " + (backup ? "waiting as a backup" : "active") + ":\n" + logTail());
        return this;
    }

    /** kill -9 of the broker JVM; returns once it is gone and nothing listens on its port. */
    public void kill() {
        // bin/artemis execs java, so the process is the JVM; its descendants are killed too in case that changes.
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        waitFor(Duration.ofSeconds(30));
        for (ProcessHandle descendant : descendants) {
            descendant.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
        awaitPortClosed();
    }

    /** A clean stop (SIGTERM), after which the broker has closed its journal. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor(STOP_TIMEOUT);
            awaitPortClosed();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private void create(List<String> options) throws IOException {
        Path home = Path.of(System.getProperty("artemis.home", "target/faults/apache-artemis-2.40.0")).toAbsolutePath();
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            throw new IllegalStateException("no Artemis distribution at " + home
                    + " (set artemis.home, or unpack org.apache.activemq:apache-artemis:2.40.0:tar.gz:bin there)");
        }
        Files.createDirectories(dir);
        Path createLog = dir.resolve("create.log");
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin/artemis").toString(), "create",
                "--silent", "--force", "--user", "admin", "--password", "admin", "--allow-anonymous",
                "--host", "127.0.0.1", "--default-port", Integer.toString(port),
                "--no-amqp-acceptor", "--no-stomp-acceptor", "--no-mqtt-acceptor", "--no-hornetq-acceptor",
                "--no-web", "--nio", "--no-autotune", "--java-memory", "256M",
                "--queues", QUEUE + "," + QUEUE + ".DLQ"));
        command.addAll(options);
        command.add(dir.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_ARGS", "-Xmx256m");
        builder.redirectErrorStream(true).redirectOutput(createLog.toFile());
        Process create = builder.start();
        create.getOutputStream().close();
        try {
            if (!create.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                create.destroyForcibly();
                throw new AssertionError("artemis create did not end:\n" + Files.readString(createLog));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
        if (create.exitValue() != 0) {
            throw new AssertionError("artemis create failed:\n" + Files.readString(createLog));
        }
        // The profile's -Xms512M would exceed -Xmx256M.
        edit(dir.resolve("etc/artemis.profile"), profile -> profile.replaceAll("-Xms\\w+", "-Xms64M"));
        // A rolled-back event is redelivered for ever, never dead-lettered by the broker, with a growing delay.
        edit(dir.resolve("etc/broker.xml"), xml -> replaceOnce(xml, "<address-settings>", """
                <address-settings>
                         <address-setting match="%s">
                            <max-delivery-attempts>-1</max-delivery-attempts>
                            <redelivery-delay>1000</redelivery-delay>
                            <redelivery-delay-multiplier>2.0</redelivery-delay-multiplier>
                            <max-redelivery-delay>60000</max-redelivery-delay>
                         </address-setting>""".formatted(QUEUE)));
    }

    private static void edit(Path file, UnaryOperator<String> change) throws IOException {
        Files.writeString(file, change.apply(Files.readString(file)));
    }

    private static String replaceOnce(String text, String target, String replacement) {
        int at = text.indexOf(target);
        if (at < 0 || text.indexOf(target, at + 1) >= 0) {
            throw new IllegalStateException("expected exactly one " + target + " in the generated broker.xml");
        }
        return text.substring(0, at) + replacement + text.substring(at + target.length());
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitPortClosed() {
        RecordingAppService.await(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return false;
            } catch (ConnectException e) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30), () -> "port " + port + " still accepts connections");
    }

    private String logTail() {
        String text = log();
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    private void waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the broker did not end within " + timeout + ":\n" + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
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
