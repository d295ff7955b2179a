package appservice.delivery.sending;

import appservice.delivery.recovery.Recoverers;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.transactions.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which application services this instance sends for. Several instances may share one database: each
 * application service's state row carries a lease, an owner and an expiry by the database's clock, and
 * only the owner sends (the sending checks it with the row locked). An instance renews its leases every
 * quarter of their duration; one that stops renewing (killed) loses them when they run out, and the
 * others take them. The instances share the application services out evenly: each takes free ones up
 * to its share (all of them divided by the live instances, rounded up) and hands back what it has
 * beyond it, once it is not sending to them.
 */
@ApplicationScoped
public class Leases {

    private static final Logger LOG = Logger.getLogger(Leases.class.getName());

    @Inject
    Transactions transactions;

    @Inject
    Registrations registrations;

    @Inject
    Recoverers recoverers;

    @Inject
    TransactionSender sender;

    @Inject
    @ConfigProperty(name = "delivery.lease.duration", defaultValue = "PT20S")
    Duration duration;

    @Inject
    @ConfigProperty(name = "delivery.instance.id")
    Optional<String> configuredId;

    @Inject
    @ConfigProperty(name = "delivery.data.dir", defaultValue = "data")
    String dataDir;

    private String instanceId;

    /** This process's own mark on its instance id's heartbeat row: two processes with one id tell each other apart. */
    private final String incarnation = UUID.randomUUID().toString();

    /** The first round has run: a heartbeat of another process under this id from then on is a twin's. */
    private volatile boolean firstRoundDone;

    private final Set<String> owned = ConcurrentHashMap.newKeySet();

    /** Owned beyond this instance's share: nothing new is sent to them, and they go back once idle. */
    private final Set<String> handingBack = ConcurrentHashMap.newKeySet();

    /** Until when (System.nanoTime) the leases renewed last are surely still this instance's. */
    private volatile long validUntil = System.nanoTime();

    /** Set once the instance stops: it takes no lease any more. */
    private volatile boolean leaving;

    /** When the last round started (System.nanoTime); Startup runs the first. */
    private volatile long lastRound = System.nanoTime();

    /**
     * Who this instance is: {@code delivery.instance.id}, or else the id kept in its data directory, the
     * same after a restart so that a restarted instance finds its leases its own at once. Called first
     * thing at startup.
     */
    public void identify() {
        Path dir = Path.of(dataDir).toAbsolutePath().normalize();
        instanceId = configuredId.filter(id -> !id.isBlank()).orElseGet(() -> keptIn(dir));
        LOG.info("Instance " + instanceId + " (data directory " + dir + ")");
    }

    /**
     * The instance id kept in the data directory ({@code instance-id}), made there now if there is none:
     * at random, so that it is unique however the hosts are named (the host name in front only helps people
     * read the logs).
     */
    private static String keptIn(Path dir) {
        Path file = dir.resolve("instance-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).strip();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            byte[] random = new byte[6];
            new SecureRandom().nextBytes(random);
            String id = host() + "-" + HexFormat.of().formatHex(random);
            Files.createDirectories(dir);
            Path partial = dir.resolve("instance-id.new");
            Files.writeString(partial, id + "\n");
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file + ": " + e.getMessage(), e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "instance";
        }
    }

    public String instanceId() {
        return instanceId;
    }

    /** Whether this instance sends for the application service now. */
    public boolean owns(String asId) {
        return owned.contains(asId) && !handingBack.contains(asId) && System.nanoTime() - validUntil < 0;
    }

    /**
     * Called every second: a round once a quarter of the lease's duration has passed since the last. Once the
     * leases may be running out unrenewed (the database is unreachable), a PUT still in flight is given up on,
     * before another instance can take the lease and send the same transaction beside it.
     */
    public void maintain(Set<String> busy) {
        if (leaving) {
            return;
        }
        if (System.nanoTime() - validUntil >= 0) {
            sender.abandonAll("this instance could not renew its lease in time (another one may send now)");
        }
        if (System.nanoTime() - lastRound >= duration.toNanos() / 4) {
            round(busy);
        }
    }

    /**
     * Renews this instance's leases, then takes free ones up to its share and hands back those beyond it
     * that are not {@code busy} (being sent to).
     */
    public synchronized void round(Set<String> busy) {
        if (leaving) {
            return;
        }
        long started = System.nanoTime();
        lastRound = started;
        long now = transactions.databaseMillis();
        if (!alone(now)) {
            return;
        }
        long until = now + duration.toMillis();
        int live = transactions.seen(instanceId, incarnation, now, now - duration.toMillis());
        Set<String> held = new HashSet<>(transactions.renewLeases(instanceId, until));
        validUntil = started + duration.toNanos() * 3 / 4;

        List<String> wanted = registrations.all().stream().filter(AppService::pushes).map(AppService::id).toList();
        Plan plan = plan(wanted, held, transactions.freeLeases(now), live, busy);
        for (String asId : plan.handBack()) {
            transactions.releaseLease(asId, instanceId);
            held.remove(asId);
        }
        for (String asId : plan.take()) {
            if (transactions.takeLease(asId, instanceId, now, until)) {
                held.add(asId);
            }
        }
        update(held, plan.keepHandingBack());
        firstRoundDone = true;
    }

    /**
     * Whether this process is the only one with its instance id: another one would own the same leases,
     * and both would send. The heartbeat row says which process wrote it last. At startup a row of another
     * process is its predecessor's (killed without leaving) unless it is written again within a heartbeat:
     * then this process refuses to start. Later, another process writing it is a twin that started
     * meanwhile: this one stops sending and says so.
     */
    private boolean alone(long now) {
        Optional<Transactions.Heartbeat> last = transactions.heartbeat(instanceId);
        if (last.isEmpty() || incarnation.equals(last.get().incarnation())) {
            return true;
        }
        if (firstRoundDone) {
            leaving = true;
            owned.clear();
            LOG.severe("Another process runs as instance " + instanceId + " (its heartbeat at "
                    + Instant.ofEpochMilli(last.get().seenAt()) + "): this one stops sending. Give each instance its"
                    + " own delivery.data.dir (or delivery.instance.id), then restart this one.");
            return false;
        }
        long heartbeat = duration.toMillis() / 4 + 2000;
        long wait = last.get().seenAt() + heartbeat - now;
        if (wait > 0) {
            LOG.info("Instance " + instanceId + " was seen " + (now - last.get().seenAt()) + " ms ago: waiting "
                    + wait + " ms to tell a stopped predecessor from another process with the same id");
            sleep(wait);
            Optional<Transactions.Heartbeat> again = transactions.heartbeat(instanceId);
            if (again.isPresent() && !incarnation.equals(again.get().incarnation())
                    && again.get().seenAt() > last.get().seenAt()) {
                throw new IllegalStateException("another process runs as instance " + instanceId + " (its heartbeat at "
                        + Instant.ofEpochMilli(again.get().seenAt()) + "): give each instance its own delivery.data.dir"
                        + " (or delivery.instance.id)");
            }
        }
        return true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    void update(Set<String> held, Set<String> keepHandingBack) {
        Set<String> lost = new HashSet<>(owned);
        lost.removeAll(held);
        Set<String> gained = new HashSet<>(held);
        gained.removeAll(owned);
        owned.addAll(held);
        owned.removeAll(lost);
        handingBack.retainAll(keepHandingBack);
        handingBack.addAll(keepHandingBack);
        for (String asId : lost) {
            sender.abandon(asId, "this instance lost its lease on the application service to another");
            recoverers.cancel(asId); // its new owner rebuilds it from the state
        }
        if (!lost.isEmpty() || !gained.isEmpty()) {
            LOG.info("Instance " + instanceId + " sends for " + new TreeSet<>(owned)
                    + (gained.isEmpty() ? "" : ", took " + gained) + (lost.isEmpty() ? "" : ", gave up " + lost));
        }
    }

    /** What a round does: the leases to take (in this order, until the share is reached) and hand back. */
    record Plan(List<String> take, List<String> handBack, Set<String> keepHandingBack) {
    }

    /**
     * Plain logic of a round. {@code wanted}: the application services to send to; {@code held}: those
     * this instance holds; {@code free}: those nobody holds (or whose lease ran out); {@code live}: the
     * instances alive, this one included; {@code busy}: those being sent to right now.
     */
    static Plan plan(List<String> wanted, Set<String> held, List<String> free, int live, Set<String> busy) {
        int instances = Math.max(live, 1);
        int share = (wanted.size() + instances - 1) / instances;
        List<String> mine = wanted.stream().filter(held::contains).sorted().toList();
        // Held but no longer wanted (its registration is gone): back at once.
        List<String> handBack = new ArrayList<>(held.stream().filter(asId -> !wanted.contains(asId)).sorted().toList());
        Set<String> keepHandingBack = new HashSet<>();
        for (String asId : mine.subList(Math.min(share, mine.size()), mine.size())) {
            (busy.contains(asId) ? keepHandingBack : handBack).add(asId);
        }
        List<String> candidates = new ArrayList<>(free.stream().filter(wanted::contains)
                .filter(asId -> !held.contains(asId)).toList());
        Collections.shuffle(candidates); // instances starting together do not all reach for the same ones
        int room = Math.max(0, share - mine.size());
        return new Plan(List.copyOf(candidates.subList(0, Math.min(room, candidates.size()))), handBack,
                keepHandingBack);
    }

    /**
     * The instance stops (Startup's orderly stop, once nothing more is sent): no more rounds, and its
     * leases are free for the others at once, but for those of {@code stillSending}, where a PUT may still
     * be in flight: those run out by themselves, so that no other instance sends while it is.
     */
    public void leave(Set<String> stillSending) {
        if (leaving) {
            return;
        }
        leaving = true;
        owned.clear();
        try {
            transactions.leave(instanceId, stillSending);
            LOG.info("Instance " + instanceId + " left its leases" + (stillSending.isEmpty() ? ""
                    : " but those of " + new TreeSet<>(stillSending) + " (a PUT in flight): they run out by themselves"));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not give up the leases of instance " + instanceId
                    + " (they run out by themselves): " + e, e);
        }
    }
}
