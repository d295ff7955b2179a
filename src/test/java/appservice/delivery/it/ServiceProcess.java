package appservice.delivery.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged runtime (target/dist) run as an operator runs it: its start script, configured through
 * DELIVERY_* environment variables, in its own process that a test can stop, kill -9 and restart. Its
 * admin API is on, with {@link Admin#TOKEN}, unless the test sets DELIVERY_ADMIN_TOKEN itself.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Path dir;
    private final Map<String, String> env;
    private final java.util.Set<String> unset = new java.util.HashSet<>();
    private final int port;
    private final String brokerUrl;
    private Process process;
    private Path log;
    private int starts;

    /** A service whose data lives in {@code dir}/data, reading registrations from {@code dir}/registrations. */
    public ServiceProcess(Path dir, Map<String, String> extraEnv) {
        this.dir = dir;
        this.port = freePort();
        this.brokerUrl = "tcp://127.0.0.1:" + freePort();
        this.env = new HashMap<>();
        env.put("DELIVERY_DATA_DIR", dir.resolve("data").toString());
        env.put("DELIVERY_REGISTRATIONS", dir.resolve("registrations").toString());
        env.put("DELIVERY_HTTP_PORT", Integer.toString(port));
        env.put("DELIVERY_HTTP_READ_TIMEOUT", "PT5S");
        env.put("DELIVERY_BROKER_URL", brokerUrl);
        String dbUrl = System.getProperty("it.db.url", "");
        if (dbUrl.startsWith("jdbc:postgresql:")) {
            env.put("DELIVERY_DB_URL", dbUrl);
            env.put("DELIVERY_DB_USER", System.getProperty("it.db.user"));
            env.put("DELIVERY_DB_PASSWORD", System.getProperty("it.db.password"));
        }
        env.put("DELIVERY_ADMIN_TOKEN", Admin.TOKEN);
        // it.jvm.options: set by the integration tests' Maven run (the benchmark, which runs services too, has none).
        env.put("JAVA_OPTS", ("-Xmx512m " + System.getProperty("it.jvm.options", "")).strip());
        env.putAll(extraEnv);
    }

    /** Runs without this variable (e.g. to see a default), whatever the fixture would set. */
    public ServiceProcess unset(String variable) {
        env.remove(variable);
        unset.add(variable);
        return this;
    }

    /** A clean directory with these application services registered, and a clean database. */
    public static Path prepare(String name, RecordingAppService... services) {
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        for (RecordingAppService service : services) {
            urls.put(service.id(), service.url());
        }
        return prepare(name, urls);
    }

    /** A clean directory with application services registered (id to URL), and a clean database. */
    public static Path prepare(String name, Map<String, String> urlsById) {
        Path dir = DeliveryFixture.IT_DIR.resolve(name);
        DeliveryFixture.wipe(dir);
        try {
            DeliveryFixture.wipeDatabase();
            Files.createDirectories(dir.resolve("registrations"));
            for (Map.Entry<String, String> service : urlsById.entrySet()) {
                Files.writeString(dir.resolve("registrations").resolve(service.getKey() + ".yaml"),
                        DeliveryFixture.registration(service.getKey(), service.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }

    /** A producer on this service's (embedded) broker. */
    public Publisher publisher() {
        return new Publisher(brokerUrl);
    }

    public String brokerUrl() {
        return brokerUrl;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** Starts the process (with extra JVM options, e.g. a crash point) without waiting for it. */
    public ServiceProcess launch(String... javaOptions) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        starts++;
        log = dir.resolve("service-" + starts + ".log");
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("dist.dir", "target/dist"), "bin", "appservice-delivery").toString());
        builder.environment().putAll(env);
        builder.environment().keySet().removeAll(unset);
        if (javaOptions.length > 0) {
            builder.environment().put("JAVA_OPTS", env.get("JAVA_OPTS") + " " + String.join(" ", javaOptions));
        }
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Starts the process and waits until {@code /health/ready} says UP. */
    public ServiceProcess start(String... javaOptions) {
        launch(javaOptions);
        awaitReady();
        return this;
    }

    public void awaitReady() {
        RecordingAppService.await(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + logTail());
            }
            return Health.isReady(baseUrl());
        }, START_TIMEOUT, () -> "the service is not ready:\n" + logTail());
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The resident memory of the service's processes (the start script and the JVM), in bytes. */
    public long residentBytes() {
        return processes().mapToLong(ServiceProcess::residentBytes).sum();
    }

    /** The service's processes: the start script and the JVM. */
    public java.util.stream.Stream<ProcessHandle> processes() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.toHandle().descendants());
    }

    private static long residentBytes(ProcessHandle handle) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(handle.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended meanwhile
        }
        return 0;
    }

    /** kill -9. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** A clean stop (SIGTERM), as systemd or Ctrl-C does. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor(Duration.ofSeconds(60));
        }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) {
        return waitFor(timeout);
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String logTail() {
        String text = log();
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    private int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Path dump = threadDump();
                processes().forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("the service did not end within " + timeout + " (its threads: " + dump
                        + "):\n" + logTail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** The threads of a service that does not end, for whoever reads the failure: jstack of each of its JVMs. */
    private Path threadDump() {
        Path dump = dir.resolve("threads-" + starts + ".txt");
        String jstack = Path.of(System.getProperty("java.home"), "bin", "jstack").toString();
        processes().forEach(handle -> {
            try {
                new ProcessBuilder(jstack, Long.toString(handle.pid())).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dump.toFile())).start()
                        .waitFor(30, TimeUnit.SECONDS);
            } catch (IOException e) {
                // not a JVM (the start script), or gone meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return dump;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
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
