package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.DeliveryFixture;
import appservice.delivery.it.Health;
import appservice.delivery.it.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each way an operator can get the registrations wrong (18 cases) stops the packaged runtime at startup: it exits
 * non-zero, its log names the file (or directory) and the problem, and it never half-starts: never ready,
 * its broker never listening. Each case sits next to a valid registration, as a new bridge's file would.
 */
class InvalidRegistrationsIT {

    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(120);
    private static final String GOOD = "good";

    /** What is on disk, and the problem the log must give for the file or directory that setup returns. */
    record Case(String name, Setup setup, String problem) {

        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Setup {
        /** Breaks the registrations directory; returns the file or directory the log must name. */
        Path apply(Path registrations) throws IOException;
    }

    /** The cases the run starts: all of them, or {@link Faults#REGISTRATION_CASES} spread evenly over the list. */
    static Stream<Case> cases() {
        List<Case> all = allCases().toList();
        int every = (int) Math.ceil(all.size() / (double) Math.max(1, Math.min(Faults.REGISTRATION_CASES, all.size())));
        return java.util.stream.IntStream.range(0, all.size()).filter(i -> i % every == 0).mapToObj(all::get);
    }

    static Stream<Case> allCases() {
        return Stream.of(
                new Case("not YAML at all (an INI file)",
                        file("bridge.yaml", "[appservice]\nid = bridge\nurl = http://127.0.0.1:9\n"),
                        "not valid YAML"),
                new Case("a tab in the indentation",
                        file("bridge.yaml", with("namespaces:\n  users:\n\t- exclusive: true\n\t  regex: '@bridge_.*'\n")),
                        "not valid YAML: found character '\\t(TAB)'"),
                new Case("a list, not a mapping",
                        file("bridge.yaml", "- " + registration("bridge").replace("\n", "\n  ").stripTrailing() + "\n"),
                        "the top level must be a mapping, found a list"),
                new Case("an empty file",
                        file("bridge.yaml", ""),
                        "the top level must be a mapping, found nothing"),
                new Case("not UTF-8 (a Latin-1 comment)",
                        registrations -> Files.write(registrations.resolve("bridge.yaml"),
                                ("# Br\u00fccke\n" + registration("bridge")).getBytes(StandardCharsets.ISO_8859_1)),
                        "cannot be read: not UTF-8 text"),
                new Case("id missing",
                        file("bridge.yaml", without("id")),
                        "'id' is missing"),
                new Case("as_token missing",
                        file("bridge.yaml", without("as_token")),
                        "'as_token' is missing"),
                new Case("hs_token missing",
                        file("bridge.yaml", without("hs_token")),
                        "'hs_token' is missing"),
                new Case("hs_token a number, not a string",
                        file("bridge.yaml", with("hs_token: 1234567890")),
                        "'hs_token' must be a string, found a number"),
                new Case("url without a scheme",
                        file("bridge.yaml", with("url: localhost:9000")),
                        "'url' must be an absolute http or https URL"),
                new Case("sender_localpart missing",
                        file("bridge.yaml", without("sender_localpart")),
                        "'sender_localpart' is missing"),
                new Case("sender_localpart a whole user id",
                        file("bridge.yaml", with("sender_localpart: '@bridge_bot:example.org'")),
                        "'sender_localpart' must be the localpart of the bot's user id only"),
                new Case("a namespace regex that does not compile",
                        file("bridge.yaml", with("namespaces:\n  users:\n"
                                + "    - exclusive: true\n      regex: '@bridge_(.*'\n")),
                        "'namespaces.users[0].regex' is not a valid regular expression"),
                new Case("a namespace without its list dash",
                        file("bridge.yaml", with("namespaces:\n  users:\n"
                                + "    exclusive: true\n    regex: '@bridge_.*'\n")),
                        "'namespaces.users' must be a list, found a mapping"),
                new Case("two files with the same id",
                        registrations -> {
                            // Sorted before good.yaml, so good.yaml is the one refused.
                            Files.writeString(registrations.resolve("good-copy.yaml"), registration(GOOD)
                                    .replace("SECRET-" + GOOD, "SECRET-copy"));
                            return registrations.resolve(GOOD + ".yaml");
                        },
                        "id '" + GOOD + "' is already used by"),
                new Case("two files with the same as_token",
                        file("whatsapp.yaml", with("as_token: as-SECRET-" + GOOD)),
                        "'as_token' of 'bridge' is the same as that of '" + GOOD + "' in "),
                new Case("a link to a registration that does not exist",
                        registrations -> Files.createSymbolicLink(registrations.resolve("bridge.yaml"),
                                registrations.resolveSibling("bridge-not-generated-yet.yaml")),
                        "is a symbolic link to a file that does not exist"),
                new Case("no registrations directory",
                        registrations -> {
                            DeliveryFixture.wipe(registrations);
                            return registrations;
                        },
                        "no such file or directory"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theServiceExitsNonZeroNamingTheFileAndTheProblemWithoutHalfStarting(Case c) throws Exception {
        Path dir = ServiceProcess.prepare("invalid-registration/" + c.name().replaceAll("[^A-Za-z0-9]+", "-"));
        Path registrations = dir.resolve("registrations");
        Files.writeString(registrations.resolve(GOOD + ".yaml"), registration(GOOD));
        Path named = c.setup().apply(registrations);
        int brokerPort = freePort();

        try (ServiceProcess service = new ServiceProcess(dir, Map.of("DELIVERY_BROKER_URL",
                "tcp://127.0.0.1:" + brokerPort))) {
            Watch watch = new Watch(service.baseUrl(), brokerPort);
            int exit;
            try {
                service.launch();
                exit = service.awaitExit(EXIT_TIMEOUT);
            } finally {
                watch.stop();
            }
            String log = service.log();

            assertNotEquals(0, exit, "the service must not run with an invalid registration:\n" + tail(log));
            String expected = "Invalid application service registration: " + named + ": " + c.problem();
            assertTrue(log.contains(expected), "the log should say\n  " + expected + "\n" + tail(log));
            assertFalse(watch.ready.get(), "it must never be ready");
            assertFalse(watch.brokerListening.get(), "its broker must never accept a connection");
            assertFalse(log.contains("Embedded Artemis broker listening"), "its broker must never start");
            assertFalse(log.contains("SECRET"), "no token may be logged:\n" + tail(log));
        }
    }

    /** Polls, while the service runs, whether it ever says it is ready or its broker ever accepts a connection. */
    private static final class Watch {

        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicBoolean brokerListening = new AtomicBoolean();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final Thread thread;

        Watch(String baseUrl, int brokerPort) {
            thread = new Thread(() -> {
                while (!stopped.get()) {
                    if (Health.isReady(baseUrl)) {
                        ready.set(true);
                    }
                    if (accepts(brokerPort)) {
                        brokerListening.set(true);
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "watch-half-start");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            thread.join();
        }

        private static boolean accepts(int port) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    private static Setup file(String name, String content) {
        return registrations -> Files.writeString(registrations.resolve(name), content);
    }

    /** A valid registration; the tokens say SECRET so that the log can be searched for them. */
    private static String registration(String id) {
        return String.join("\n", lines(id).values()) + "\n";
    }

    /** The registration of {@code bridge} with the text of one top-level key replaced (the key's lines). */
    private static String with(String text) {
        Map<String, String> lines = lines("bridge");
        lines.put(text.substring(0, text.indexOf(':')), text.stripTrailing());
        return String.join("\n", lines.values()) + "\n";
    }

    private static String without(String key) {
        Map<String, String> lines = lines("bridge");
        lines.remove(key);
        return String.join("\n", lines.values()) + "\n";
    }

    private static Map<String, String> lines(String id) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("id", "id: " + id);
        lines.put("url", "url: http://127.0.0.1:9");
        lines.put("as_token", "as_token: as-SECRET-" + id);
        lines.put("hs_token", "hs_token: hs-SECRET-" + id);
        lines.put("sender_localpart", "sender_localpart: " + id + "_bot");
        lines.put("namespaces", "namespaces:\n  users:\n    - exclusive: true\n      regex: '@" + id + "_.*'");
        return lines;
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
