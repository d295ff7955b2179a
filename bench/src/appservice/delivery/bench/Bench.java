package appservice.delivery.bench;

import appservice.delivery.it.DeliveryFixture;
import appservice.delivery.it.Admin;
import appservice.delivery.it.Http;
import appservice.delivery.it.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * bench/run: the packaged service on this machine, end to end (throughput for 1 and 20 application
 * services, latency at a steady rate, the drain of a large backlog with its memory), the raw limits of
 * its stages, a profile of one run, and the table of it all (README, "Benchmark").
 */
public final class Bench {

    private static final Set<String> PHASES = new LinkedHashSet<>(List.of("raw", "e2e", "latency", "jfr", "drain", "h2"));
    private static final Duration STALL = Duration.ofMinutes(3);
    private static final Path OUT = Path.of("target", "bench");
    private static final PrintStream LOG = System.err;

    /** Where the service keeps its items: PostgreSQL (the bench's database) or the embedded default, H2. */
    enum Db {
        POSTGRESQL("PostgreSQL"), H2("H2 (embedded default)");

        final String label;

        Db(String label) {
            this.label = label;
        }
    }

    /**
     * {@code smoke}: the smallest run that still goes through every phase and every path of the bench (CI
     * runs it, so that a change that breaks the bench fails there): the profile and the H2 comparison
     * then run for one count of application services each (20 and 1) instead of both.
     */
    private record Options(List<String> args, boolean quick, boolean smoke, int events, int backlog, int runs,
                           Set<String> only, int publishers, int warmup, int latencyRate, int latencyWarmSeconds,
                           int latencySeconds) {

        /** The counts of application services a phase's throughput runs are made for. */
        int[] services(String phase) {
            if (!smoke) {
                return new int[] {1, 20};
            }
            return switch (phase) {
                case "jfr" -> new int[] {20};
                case "h2" -> new int[] {1};
                default -> new int[] {1, 20};
            };
        }
    }

    private record EndToEnd(double eventsPerSecond, double publishedPerSecond, Instant from, Instant to, CpuUse cpu) {
    }

    private final Options options;
    private final String dbUrl = System.getProperty("bench.db.url");
    private final String dbUser = System.getProperty("bench.db.user");
    private final String dbPassword = System.getProperty("bench.db.password");
    /** Figure name to its cells by column (PostgreSQL, H2, runs, note), in the order they are printed. */
    private final Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    private final Map<String, Double> figures = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private String profile = "";
    private final String header;

    private Bench(Options options) {
        this.options = options;
        this.header = header();
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        Bench bench = new Bench(options);
        bench.run();
        System.out.print(bench.markdown());
        System.exit(bench.failures.isEmpty() ? 0 : 1);
    }

    private static Options parse(String[] args) {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        boolean quick = smoke || Arrays.asList(args).contains("--quick");
        int events = smoke ? 2_000 : quick ? 20_000 : 200_000;
        int backlog = smoke ? 2_000 : quick ? 20_000 : 1_000_000;
        int runs = quick ? 1 : 3;
        int publishers = 1;
        int warmup = smoke ? 1_000 : quick ? 5_000 : 100_000;
        Set<String> only = new LinkedHashSet<>(PHASES);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick", "--smoke" -> {
                }
                case "--events" -> events = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--backlog" -> backlog = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--publishers" -> publishers = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--only" -> {
                    only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    if (!PHASES.containsAll(only)) {
                        throw new IllegalArgumentException("--only takes " + String.join(",", PHASES) + ", not " + args[i]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (bench/run [--quick|--smoke] [--events N] [--backlog N] [--runs N] [--publishers N] [--warmup N]"
                        + " [--only " + String.join(",", PHASES) + "])");
            }
        }
        if (warmup % 100 != 0 || warmup < 1000) {
            throw new IllegalArgumentException("--warmup must be a multiple of 100, at least 1,000");
        }
        if (events % 100 != 0 || events < 1000) {
            throw new IllegalArgumentException("--events must be a multiple of 100, at least 1,000");
        }
        return new Options(List.of(args), quick, smoke, events, backlog, runs, only, publishers, warmup,
                1_000, smoke ? 1 : quick ? 2 : 5, smoke ? 3 : quick ? 10 : 30);
    }

    private void run() {
        log("%s; sizes: %,d events per throughput run, backlog %,d, %d run(s) per figure, %d publisher thread(s); phases %s",
                options.smoke ? "smoke" : options.quick ? "quick" : "full", options.events, options.backlog, options.runs, options.publishers,
                options.only);
        phase("raw", this::raw);
        phase("e2e", () -> endToEndRows(Db.POSTGRESQL, "e2e"));
        phase("latency", () -> latencyRow(Db.POSTGRESQL));
        phase("jfr", this::profile);
        phase("drain", this::drain);
        // Last: the comparison with the embedded default matters least if a long run must be cut short.
        phase("h2", () -> {
            endToEndRows(Db.H2, "h2");
            latencyRow(Db.H2);
        });
    }

    private interface Phase {
        void run() throws Exception;
    }

    /** A phase that fails is reported and the others still run: one long run should not be lost to one failure. */
    private void phase(String name, Phase phase) {
        if (!options.only.contains(name)) {
            return;
        }
        long start = System.nanoTime();
        try {
            phase.run();
        } catch (Throwable e) {
            failures.add(name + ": " + e);
            log("phase %s FAILED: %s", name, e);
            e.printStackTrace(LOG);
        }
        log("phase %s took %s", name, Duration.ofSeconds((long) seconds(System.nanoTime() - start)));
        write();
    }

    // ---- end to end ----

    private void endToEndRows(Db db, String phase) throws Exception {
        for (int services : options.services(phase)) {
            List<Double> rates = new ArrayList<>();
            List<Double> published = new ArrayList<>();
            List<Double> busy = new ArrayList<>();
            List<Double> serviceCpu = new ArrayList<>();
            List<Double> databaseCpu = new ArrayList<>();
            List<Double> benchCpu = new ArrayList<>();
            for (int run = 1; run <= options.runs; run++) {
                EndToEnd result = endToEnd(db, services, "e2e-" + db.name().toLowerCase() + "-" + services + "as-" + run);
                rates.add(result.eventsPerSecond());
                published.add(result.publishedPerSecond());
                busy.add(100 * result.cpu().machineBusy());
                serviceCpu.add(CpuUse.perThousand(result.cpu().serviceNanos(), options.events));
                databaseCpu.add(CpuUse.perThousand(result.cpu().databaseNanos(), options.events));
                benchCpu.add(CpuUse.perThousand(result.cpu().benchNanos(), options.events));
                log("end to end, %s, %d AS, run %d: %,.0f events/s (published at %,.0f/s); machine busy %.0f %%; CPU ms per"
                                + " 1,000 events: service %.0f, PostgreSQL %.0f, bench %.0f", db.label, services, run,
                        result.eventsPerSecond(), result.publishedPerSecond(), busy.get(run - 1), serviceCpu.get(run - 1),
                        databaseCpu.get(run - 1), benchCpu.get(run - 1));
            }
            String ases = services + (services == 1 ? " AS" : " ASes");
            String figure = String.format("End-to-end throughput, %s (events/s)", ases);
            cell(figure, db, rates, "%,.0f");
            cell(String.format("  publish rate during it, %s, %d publisher thread%s (events/s)", ases,
                    options.publishers, options.publishers == 1 ? "" : "s"), db, published, "%,.0f");
            cell(String.format("  machine busy during it, %s (%% of all %s cores)", ases, command("nproc")), db, busy, "%.0f");
            cell(String.format("  CPU per 1,000 events, %s: the service with its broker (ms)", ases), db, serviceCpu, "%.0f");
            if (db == Db.POSTGRESQL) {
                cell(String.format("  CPU per 1,000 events, %s: PostgreSQL (ms)", ases), db, databaseCpu, "%.0f");
            }
            cell(String.format("  CPU per 1,000 events, %s: the bench's publisher and receivers (ms)", ases), db, benchCpu, "%.0f");
            figures.put("e2e-" + db + "-" + services, median(rates));
        }
    }

    /**
     * One throughput run on a fresh service and database: a warm-up (not counted), then the events
     * published as fast as possible; from the first publish to the 200 of the last transaction.
     */
    private EndToEnd endToEnd(Db db, int services, String name, String... javaOptions) throws Exception {
        List<String> asIds = asIds(services);
        int total = options.warmup + options.events;
        try (RecordingReceiver receiver = new RecordingReceiver(services);
             ServiceProcess service = start(db, name, receiver, asIds, Map.of(), javaOptions)) {
            receiver.track(total);
            BenchPublisher publisher = new BenchPublisher(service.brokerUrl(), asIds);
            publisher.publish(0, options.warmup, 1);
            receiver.await(options.warmup, STALL, service::isAlive, () -> tail(service));
            Instant from = Instant.now();
            CpuUse before = CpuUse.now(service.processes());
            long start = System.nanoTime();
            publisher.publish(options.warmup, total, options.publishers);
            long published = System.nanoTime();
            receiver.await(total, STALL, service::isAlive, () -> tail(service));
            CpuUse used = CpuUse.now(service.processes()).since(before);
            long end = receiver.lastArrival(options.warmup, total);
            Instant to = Instant.now();
            finish(service, name);
            return new EndToEnd(options.events / seconds(end - start), options.events / seconds(published - start), from, to,
                    used);
        }
    }

    // ---- latency ----

    private void latencyRow(Db db) throws Exception {
        List<Double> p50 = new ArrayList<>();
        List<Double> p95 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (int run = 1; run <= options.runs; run++) {
            double[] result = latency(db, "latency-" + db.name().toLowerCase() + "-" + run);
            p50.add(result[0]);
            p95.add(result[1]);
            p99.add(result[2]);
            rates.add(result[3]);
            log("latency, %s, run %d: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (published at %,.0f/s)", db.label, run,
                    result[0], result[1], result[2], result[3]);
        }
        String at = String.format(" at %,d events/s, 1 AS (ms)", options.latencyRate);
        cell("Latency publish → AS, p50" + at, db, p50, "%,.1f");
        cell("Latency publish → AS, p95" + at, db, p95, "%,.1f");
        cell("Latency publish → AS, p99" + at, db, p99, "%,.1f");
        rows.get("Latency publish → AS, p95" + at).put("note", "a queue built while the service falls behind (a"
                + " stall, a checkpoint, other work on the machine) drains only at what it delivers above the steady rate");
        cell("  steady rate achieved (events/s)", db, rates, "%,.0f");
    }

    /**
     * p50, p95, p99 in ms of the events after the steady warm-up, and the rate actually published. The
     * service is first warmed up as for a throughput run: a cold one delivers fewer than 1,000 events/s for
     * its first seconds, and the queue built then would still be draining in the measured window.
     */
    private double[] latency(Db db, String name) throws Exception {
        List<String> asIds = asIds(1);
        int warm = options.latencyRate * options.latencyWarmSeconds;
        int total = warm + options.latencyRate * options.latencySeconds;
        int first = options.warmup;
        try (RecordingReceiver receiver = new RecordingReceiver(1);
             ServiceProcess service = start(db, name, receiver, asIds, Map.of())) {
            receiver.track(first + total);
            BenchPublisher publisher = new BenchPublisher(service.brokerUrl(), asIds);
            publisher.publish(0, first, 1);
            receiver.await(first, STALL, service::isAlive, () -> tail(service));
            long[] publishedAt = new long[total];
            publisher.publishSteady(first, total, options.latencyRate, publishedAt);
            receiver.await(first + total, STALL, service::isAlive, () -> tail(service));
            finish(service, name);
            long[] latencies = IntStream.range(warm, total)
                    .mapToLong(i -> receiver.arrival(first + i) - publishedAt[i]).sorted().toArray();
            return new double[] {percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99),
                    (total - 1) / seconds(publishedAt[total - 1] - publishedAt[0])};
        }
    }

    private static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    // ---- backlog drain ----

    /**
     * The application service answers 503 while the backlog is published and stored (its retries wait at
     * most 5 s, as in BacklogIT), then 200; from the first 200 to the one that completes the backlog.
     */
    private void drain() throws Exception {
        String name = "drain-postgresql";
        List<String> asIds = asIds(1);
        int backlog = options.backlog;
        try (RecordingReceiver receiver = new RecordingReceiver(1);
             ServiceProcess service = start(Db.POSTGRESQL, name, receiver, asIds, Map.of("DELIVERY_BACKOFF_MAX", "PT5S"))) {
            receiver.track(backlog);
            receiver.down(true);
            AtomicLong maxResident = new AtomicLong();
            AtomicLong maxHeap = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> {
                maxResident.accumulateAndGet(service.residentBytes(), Math::max);
                maxHeap.accumulateAndGet(usedHeap(service), Math::max);
            }, 0, 1, TimeUnit.SECONDS);
            try {
                long start = System.nanoTime();
                Thread publishing = new Thread(() -> new BenchPublisher(service.brokerUrl(), asIds)
                        .publish(0, backlog, options.publishers), "bench-backlog");
                publishing.start();
                awaitStored(service, asIds.get(0), backlog);
                long stored = System.nanoTime();
                publishing.join();
                log("backlog of %,d stored in %.0f s (%,.0f events/s); the AS answers 200 from now on",
                        backlog, seconds(stored - start), backlog / seconds(stored - start));
                receiver.down(false);
                receiver.await(backlog, STALL, service::isAlive, () -> tail(service));
                double drain = backlog / seconds(receiver.lastArrival(0, backlog) - receiver.firstOk());
                log("backlog drained at %,.0f events/s; service heap at most %,d MB, resident at most %,d MB", drain,
                        maxHeap.get() >> 20, maxResident.get() >> 20);
                String size = String.format("%,d", backlog);
                cell("Backlog of " + size + ": stored while the AS answers 503 (events/s)", Db.POSTGRESQL,
                        List.of(backlog / seconds(stored - start)), "%,.0f");
                cell("Backlog of " + size + ": drain rate once it answers 200 (events/s)", Db.POSTGRESQL,
                        List.of(drain), "%,.0f");
                cell("  service heap used, max sampled (MB, -Xmx512m)", Db.POSTGRESQL,
                        List.of((double) (maxHeap.get() >> 20)), "%,.0f");
                cell("  service resident memory, max sampled (MB)", Db.POSTGRESQL,
                        List.of((double) (maxResident.get() >> 20)), "%,.0f");
            } finally {
                sampler.shutdownNow();
            }
            finish(service, name);
        }
    }

    private static void awaitStored(ServiceProcess service, String asId, int backlog) {
        long pending = -1;
        long lastProgress = System.nanoTime();
        long lastLog = System.nanoTime();
        while (pending < backlog) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service died with " + pending + " stored\n" + tail(service));
            }
            long now = Admin.pendingEvents(service.baseUrl(), asId);
            if (now != pending) {
                pending = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new IllegalStateException("stored " + pending + " of " + backlog + ", none for " + STALL);
            }
            if (System.nanoTime() - lastLog > 60_000_000_000L) {
                log("  %,d of %,d stored", pending, backlog);
                lastLog = System.nanoTime();
            }
            sleep(Duration.ofSeconds(1));
        }
    }

    /** The service's used heap, from its MicroProfile base metrics (0 when it does not answer). */
    private static long usedHeap(ServiceProcess service) {
        try {
            String metrics = Http.send("GET", service.baseUrl() + "metrics?scope=base&name=memory.usedHeap", null, null).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("memory_usedHeap_bytes")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (AssertionError | RuntimeException e) {
            // not answering this second: the next sample will
        }
        return 0;
    }

    // ---- raw stages ----

    private void raw() throws Exception {
        RawStages stages = new RawStages(OUT.resolve("raw"), options.events);
        Map<String, List<Double>> broker = new LinkedHashMap<>();
        Map<String, List<Double>> database = new LinkedHashMap<>();
        List<Double> http1 = new ArrayList<>();
        List<Double> http20 = new ArrayList<>();
        for (int run = 1; run <= options.runs; run++) {
            for (RawStages.Measured m : stages.broker()) {
                broker.computeIfAbsent(m.pattern(), p -> new ArrayList<>()).add(m.eventsPerSecond());
                log("raw broker, %s, run %d: %,.0f events/s", m.pattern(), run, m.eventsPerSecond());
            }
            for (RawStages.Measured m : stages.database(dbUrl, dbUser, dbPassword)) {
                database.computeIfAbsent(m.pattern(), p -> new ArrayList<>()).add(m.eventsPerSecond());
                log("raw database, %s, run %d: %,.0f events/s", m.pattern(), run, m.eventsPerSecond());
            }
            http1.add(stages.http(1));
            http20.add(stages.http(20));
            log("raw HTTP, run %d: 1 sender %,.0f events/s, 20 senders %,.0f events/s", run,
                    http1.get(run - 1), http20.get(run - 1));
        }
        bestCell("Raw broker: persistent produce → consume, same envelopes (events/s)", "raw-broker", broker);
        bestCell("Raw database: insert then delete of pending_event rows, durable commits (events/s)", "raw-db", database);
        cell("Raw HTTP: PUTs of 100 events, 1 sender (events/s)", Db.POSTGRESQL, http1, "%,.0f");
        cell("Raw HTTP: PUTs of 100 events, 20 senders (events/s)", Db.POSTGRESQL, http20, "%,.0f");
        figures.put("raw-http-1", median(http1));
        figures.put("raw-http-20", median(http20));
    }

    /** The best pattern's median as the figure; every pattern's median in the note. */
    private void bestCell(String figure, String key, Map<String, List<Double>> byPattern) {
        String best = byPattern.keySet().stream().max((a, b) -> Double.compare(median(byPattern.get(a)),
                median(byPattern.get(b)))).orElseThrow();
        cell(figure, Db.POSTGRESQL, byPattern.get(best), "%,.0f");
        rows.get(figure).put("note", "best: " + best + "; all: " + byPattern.entrySet().stream()
                .map(e -> String.format("%s %,.0f", e.getKey(), median(e.getValue()))).collect(Collectors.joining("; ")));
        figures.put(key, median(byPattern.get(best)));
    }

    private void ratios() {
        for (int services : new int[] {1, 20}) {
            Double e2e = figures.get("e2e-" + Db.POSTGRESQL + "-" + services);
            Map<String, Double> stages = new LinkedHashMap<>();
            stages.put("broker", figures.get("raw-broker"));
            stages.put("database", figures.get("raw-db"));
            stages.put("HTTP", figures.get("raw-http-" + services));
            if (e2e == null || stages.containsValue(null)) {
                continue;
            }
            Map.Entry<String, Double> slowest = stages.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
            String figure = String.format("End-to-end ÷ slowest raw stage, %d AS%s", services, services == 1 ? "" : "es");
            rows.computeIfAbsent(figure, f -> new LinkedHashMap<>()).put(Db.POSTGRESQL.label,
                    String.format("%.3f", e2e / slowest.getValue()));
            rows.get(figure).put("note", String.format("slowest: %s, %,.0f events/s", slowest.getKey(), slowest.getValue()));
        }
    }

    // ---- profile ----

    /**
     * One end-to-end run on PostgreSQL for 1 AS and one for 20 under async-profiler (CPU samples of every
     * thread, the JIT's and the broker's included, every millisecond, written as a Flight Recorder file),
     * summarised; where its agent cannot load, under Flight Recorder itself, which samples only threads
     * running Java code and few of them.
     */
    private void profile() throws Exception {
        Path agent = asyncProfilerAgent();
        String by = agent != null ? "async-profiler (`event=cpu,interval=1ms`)" : "Flight Recorder (`settings=profile`)";
        StringBuilder summaries = new StringBuilder();
        for (int services : options.services("jfr")) {
            String name = "e2e-postgresql-" + services + "as";
            Path recording = OUT.resolve(name + ".jfr").toAbsolutePath();
            Files.createDirectories(recording.getParent());
            Files.deleteIfExists(recording);
            String[] javaOptions = agent != null
                    ? new String[] {"-agentpath:" + agent + "=start,event=cpu,interval=1ms,jfr,file=" + recording}
                    : new String[] {"-XX:StartFlightRecording=filename=" + recording + ",settings=profile,dumponexit=true",
                            "-XX:FlightRecorderOptions=stackdepth=256"};
            EndToEnd result = endToEnd(Db.POSTGRESQL, services, "jfr-postgresql-" + services + "as", javaOptions);
            log("profiled run, %d AS: %,.0f events/s (under %s); recording in %s", services, result.eventsPerSecond(),
                    by, recording);
            summaries.append(String.format("### %d AS%s%n%nOne end-to-end run, %d AS%s, PostgreSQL, under %s: %,.0f"
                            + " events/s. Recording: `%s`; only the measured window counts.%n%n", services,
                    services == 1 ? "" : "es", services, services == 1 ? "" : "es", by, result.eventsPerSecond(),
                    OUT.resolve(recording.getFileName())))
                    .append(JfrSummary.summarize(recording, result.from(), result.to())).append('\n');
        }
        profile = summaries.toString();
    }

    /** async-profiler's agent library for this machine, taken out of its jar (on the bench's class path); null if none. */
    private static Path asyncProfilerAgent() {
        String platform = System.getProperty("os.name").toLowerCase().contains("linux")
                ? "linux-" + (System.getProperty("os.arch").equals("aarch64") ? "arm64" : "x64") : null;
        try (var library = platform == null ? null
                : Bench.class.getClassLoader().getResourceAsStream(platform + "/libasyncProfiler.so")) {
            if (library == null) {
                log("async-profiler has no agent for %s %s: profiling with Flight Recorder",
                        System.getProperty("os.name"), System.getProperty("os.arch"));
                return null;
            }
            Path agent = OUT.resolve("libasyncProfiler.so").toAbsolutePath();
            Files.copy(library, agent, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return agent;
        } catch (IOException e) {
            log("async-profiler's agent could not be unpacked (%s): profiling with Flight Recorder", e);
            return null;
        }
    }

    // ---- the service ----

    private static List<String> asIds(int services) {
        return IntStream.range(0, services).mapToObj(i -> "as" + i).toList();
    }

    /** A fresh service (clean directory and database) with these application services, each at its own receiver address. */
    private ServiceProcess start(Db db, String name, RecordingReceiver receiver, List<String> asIds,
                                 Map<String, String> env, String... javaOptions) {
        if (db == Db.POSTGRESQL) {
            System.setProperty("it.db.url", dbUrl);
            System.setProperty("it.db.user", dbUser);
            System.setProperty("it.db.password", dbPassword);
        } else {
            System.clearProperty("it.db.url");
        }
        Map<String, String> urls = new LinkedHashMap<>();
        for (int i = 0; i < asIds.size(); i++) {
            urls.put(asIds.get(i), receiver.url(i));
        }
        Path dir = ServiceProcess.prepare(name, urls);
        ServiceProcess service = new ServiceProcess(dir, env);
        try {
            // The smoke's figures say nothing: its services boot with the client compiler alone, as the
            // integration tests' do, a quarter faster.
            service.start(options.smoke ? java.util.stream.Stream.concat(java.util.Arrays.stream(javaOptions),
                    java.util.stream.Stream.of("-XX:TieredStopAtLevel=1")).toArray(String[]::new) : javaOptions);
        } catch (AssertionError | RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    /** Stops the service cleanly, notes what its log says went wrong, and frees the disk its data took. */
    private void finish(ServiceProcess service, String name) {
        service.stop();
        List<String> severe = service.log().lines()
                .filter(line -> line.contains("SEVERE") || line.contains("OutOfMemoryError")).toList();
        if (!severe.isEmpty()) {
            String note = String.format("%s: %d SEVERE/OutOfMemoryError line(s) in its service log, the first: %s",
                    name, severe.size(), severe.get(0).strip());
            notes.add(note.length() > 400 ? note.substring(0, 400) + "…" : note);
        }
        DeliveryFixture.wipe(DeliveryFixture.IT_DIR.resolve(name).resolve("data"));
    }

    private static String tail(ServiceProcess service) {
        String log = service.log();
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    // ---- the table ----

    private void cell(String figure, Db db, List<Double> values, String format) {
        String median = String.format(format, median(values));
        String text = values.size() == 1 ? median : median + " (" + values.stream().map(v -> String.format(format, v))
                .collect(Collectors.joining(", ")) + ")";
        Map<String, String> row = rows.computeIfAbsent(figure, f -> new LinkedHashMap<>());
        row.put(db.label, text);
        row.put("runs", Integer.toString(values.size()));
    }

    private String markdown() {
        StringBuilder out = new StringBuilder(header);
        out.append("\nEach figure is the median of its runs (each run in brackets). The raw stages run alone, in "
                + "the bench's JVM against the same PostgreSQL; the broker's and HTTP's figures do not depend on the "
                + "database column they are shown in.\n\n");
        out.append("| Figure | ").append(Db.POSTGRESQL.label).append(" | ").append(Db.H2.label).append(" | runs | note |\n");
        out.append("|---|---:|---:|---:|---|\n");
        rows.forEach((figure, row) -> out.append("| ").append(figure).append(" | ")
                .append(row.getOrDefault(Db.POSTGRESQL.label, "")).append(" | ")
                .append(row.getOrDefault(Db.H2.label, "")).append(" | ")
                .append(row.getOrDefault("runs", "")).append(" | ")
                .append(row.getOrDefault("note", "")).append(" |\n"));
        if (!profile.isEmpty()) {
            out.append("\n## Profile\n\n").append(profile);
        }
        if (!notes.isEmpty()) {
            out.append("\n## The service's logs\n\n");
            notes.forEach(note -> out.append("- ").append(note).append('\n'));
        }
        if (!failures.isEmpty()) {
            out.append("\n## Failed\n\n");
            failures.forEach(failure -> out.append("- ").append(failure).append('\n'));
        }
        return out.toString();
    }

    private void write() {
        ratios();
        try {
            Files.createDirectories(OUT);
            Files.writeString(OUT.resolve("results.md"), markdown(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            log("cannot write %s: %s", OUT.resolve("results.md"), e);
        }
    }

    private String header() {
        String memory = command("sh", "-c", "awk '/MemTotal/ {printf \"%.1f GB\", $2 / 1048576}' /proc/meminfo");
        String commit = command("git", "rev-parse", "--short", "HEAD")
                + (command("git", "status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " (with uncommitted changes)");
        String postgres = "?";
        try (Connection connection = DriverManager.getConnection(dbUrl, dbUser, dbPassword);
             Statement statement = connection.createStatement();
             ResultSet version = statement.executeQuery("SHOW server_version")) {
            version.next();
            postgres = version.getString(1);
        } catch (Exception e) {
            postgres = "not reachable: " + e.getMessage();
        }
        return String.format("# appservice-delivery benchmark%n%n"
                        + "- machine: %s cores (nproc), %s memory; Java %s; PostgreSQL %s%n"
                        + "- date: %s%n- commit: %s%n"
                        + "- command: %s (%,d events per throughput run after a warm-up of %,d, backlog %,d, %d run(s), "
                        + "%d publisher thread(s), latency %,d events/s for %d s after %d s)%n",
                command("nproc"), memory, System.getProperty("java.version"), postgres,
                ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                commit, String.join(" ", java.util.stream.Stream.concat(java.util.stream.Stream.of("bench/run"),
                        options.args.stream()).toList()), options.events, options.warmup, options.backlog, options.runs,
                options.publishers, options.latencyRate, options.latencySeconds, options.latencyWarmSeconds);
    }

    private static String command(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            process.waitFor();
            return out;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    // ---- small helpers ----

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static void log(String format, Object... args) {
        LOG.println("[bench " + LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "] " + String.format(format, args));
    }
}
