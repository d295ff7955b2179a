package appservice.delivery.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The execution samples of a recording of the service (async-profiler's or Flight Recorder's), within the
 * measured window (startup and warm-up left out): the parts of the service by their threads, the methods
 * the CPU was in (self), and the service's, JDBC's, JPA's,
 * Artemis's and Jersey's methods by the samples spent in them and what they call (each method counted
 * once per sample, however often it recurs in the stack).
 */
final class JfrSummary {

    /** Whose methods the samples-including-callees list keeps. */
    private static final List<String> PACKAGES = List.of("appservice.delivery.", "java.sql.", "org.postgresql.",
            "org.h2.", "com.sun.gjc.", "org.eclipse.persistence.", "org.apache.activemq.artemis.", "org.glassfish.jersey.");

    /** The parts of the service by the names of their threads, the first match counting; the rest is "other". */
    private static final List<Map.Entry<String, String>> PARTS = List.of(
            Map.entry("ingest (events-consumer-N: receive, parse, route, store)", "events-consumer-"),
            Map.entry("sending (the workers: cut, PUT, complete)", "ManagedThreadFactory-Thread"),
            Map.entry("the broker's server threads (routing, journal appends, deliveries, acks)", "ActiveMQ-server-"),
            Map.entry("the broker's journal I/O threads", "ActiveMQ-IO-server-"),
            Map.entry("the broker's network threads (both ends of its connections)", "netty-threads"),
            Map.entry("the broker's journal buffer timer (writes and syncs)", "activemq-buffer-timeout"),
            Map.entry("the JIT compilers", "CompilerThre"),
            Map.entry("garbage collection", "GC Thread"),
            Map.entry("garbage collection", "G1 "));

    private JfrSummary() {
    }

    /**
     * Markdown: the top 25 methods by self samples, the top 15 of {@link #PACKAGES} by samples including
     * callees, and the top 15 of the service's own methods the same way (where its time goes, ingest or sending).
     */
    static String summarize(Path recording, Instant from, Instant to) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> parts = new java.util.LinkedHashMap<>();
        PARTS.forEach(part -> parts.put(part.getKey(), 0));
        parts.put("other", 0);
        int samples = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")
                        || event.getStartTime().isBefore(from) || event.getStartTime().isAfter(to)
                        || event.getStackTrace() == null || event.getStackTrace().getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                parts.merge(part(event.getThread("sampledThread")), 1, Integer::sum);
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                self.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String name = name(frame.getMethod());
                    if (PACKAGES.stream().anyMatch(name::startsWith) && seen.add(name)) {
                        total.merge(name, 1, Integer::sum);
                    }
                }
            }
        }
        Map<String, Integer> own = new HashMap<>(total);
        own.keySet().removeIf(name -> !name.startsWith(PACKAGES.get(0)));
        return String.format("%,d execution samples of the service's threads between %s and %s (threads on a "
                        + "CPU; waits for the database, the disk or the network are not samples).%n%n", samples, from, to)
                + "Samples by part of the service (by thread):\n\n" + table(parts, samples, parts.size(), "part")
                + "\nTop 25 methods by samples (self):\n\n" + table(self, samples, 25, "method")
                + "\nTop 15 methods of " + String.join(", ", PACKAGES) + " by samples including callees:\n\n"
                + table(total, samples, 15, "method")
                + "\nTop 15 of the service's own methods (" + PACKAGES.get(0) + ") by samples including callees:\n\n"
                + table(own, samples, 15, "method");
    }

    private static String part(RecordedThread thread) {
        String name = thread == null ? "" : thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
        return PARTS.stream().filter(part -> name != null && name.contains(part.getValue())).map(Map.Entry::getKey)
                .findFirst().orElse("other");
    }

    private static String table(Map<String, Integer> counts, int samples, int top, String what) {
        StringBuilder table = new StringBuilder("| samples | % | " + what + " |\n|---:|---:|---|\n");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(top)
                .forEach(e -> table.append(String.format("| %,d | %.1f | `%s` |%n", e.getValue(),
                        100.0 * e.getValue() / Math.max(1, samples), e.getKey())));
        return table.toString();
    }

    /** Class and method; a lambda's class without its per-run number, so that runs compare. */
    private static String name(RecordedMethod method) {
        return method.getType().getName().replaceAll("\\$\\$Lambda\\$.*$", "\\$\\$Lambda") + "." + method.getName();
    }
}
