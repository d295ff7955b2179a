package appservice.delivery.sending;

import appservice.delivery.CrashPoints;
import appservice.delivery.health.DeliveryMetrics;
import appservice.delivery.recovery.Backoff;
import appservice.delivery.recovery.Recoverers;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.Batch;
import appservice.delivery.transactions.DeadLetter;
import appservice.delivery.transactions.OutgoingTransaction;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs the sending of each application service: one worker at a time per application service, each
 * on its own thread so that one that hangs never delays another. A worker sends transactions one
 * after the other until nothing waits; on a failure it hands the application service to its recoverer.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());

    @Inject
    Registrations registrations;

    @Inject
    Transactions transactions;

    @Inject
    TransactionSender sender;

    @Inject
    Recoverers recoverers;

    @Inject
    Leases leases;

    @Inject
    DeliveryMetrics metrics;

    @Inject
    @ConfigProperty(name = "delivery.backoff.max", defaultValue = "PT512S")
    Duration backoffMax;

    @Resource
    ManagedThreadFactory threadFactory;

    private final Set<String> working = ConcurrentHashMap.newKeySet();

    /**
     * Application services with items stored since their worker last looked. A worker clears its flag
     * before each look at the database; a flag still set when it stops means items it may not have seen.
     */
    private final Set<String> kicked = ConcurrentHashMap.newKeySet();

    /** Until when a failure of the sweep is not logged again (epoch ms). */
    private volatile long sweepQuietUntil;

    /** How many items a transaction holds, smaller for an application service that answered 413 (until restart). */
    private final Map<String, Batch> batches = new ConcurrentHashMap<>();
    private ExecutorService workers;
    private volatile boolean stopping;

    @PostConstruct
    void start() {
        workers = Executors.newCachedThreadPool(threadFactory);
    }

    /**
     * Stops sending, as the service's orderly stop (Startup) asks before the leases are given up: no new
     * PUT starts, and the PUTs in flight get as long as a PUT can take to end. Returns the application
     * services still being sent to, whose leases must be left to run out.
     */
    public Set<String> stop() {
        stopping = true;
        workers.shutdown();
        if (working.isEmpty()) {
            // Not a word to the HTTP client: one never used is made only when first called, and a runtime
            // that is stopping may no longer have its classes (Payara Micro removes its runtime directory).
            return Set.of();
        }
        Duration within = sender.longestPut();
        try {
            if (!workers.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("Still sending to " + busy() + " " + within.toSeconds() + " s after the stop began");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return busy();
    }

    /** The last resort when the application goes without the orderly stop (it failed to start). */
    @PreDestroy
    void shutdown() {
        stopping = true;
        workers.shutdownNow();
    }

    /**
     * New events for an UP application service: send them now unless a worker is already at it. For one
     * another instance sends to, that instance's sweep finds them.
     */
    public void kick(String asId) {
        if (!leases.owns(asId) || recoverers.isScheduled(asId)) {
            // DOWN: its recoverer sends. A worker per new message would only read the state and stop,
            // one database transaction for each message stored while the application service is away.
            return;
        }
        kicked.add(asId);
        start(asId, false);
    }

    /** The recoverer's turn: retry the oldest transaction of a DOWN application service. */
    public boolean recover(String asId) {
        return !leases.owns(asId) || start(asId, true);
    }

    /**
     * A DOWN application service is retried now instead of after its backoff (a successful ping, an
     * operator's retry or resume), an UP one looked at now. The retry time is in the database: when
     * another instance sends for it, that instance's sweep sees it brought forward.
     */
    public void retryNow(String asId) {
        if (transactions.retryNow(asId)) {
            if (leases.owns(asId)) {
                recoverers.schedule(asId, Duration.ZERO);
            }
        } else {
            kick(asId);
        }
    }

    /** The application services being sent to right now. */
    public Set<String> busy() {
        return Set.copyOf(working);
    }

    /**
     * The safety net, run every second and at startup: an UP application service with events and no
     * worker gets one; a DOWN one without a recoverer gets its recoverer back, due when it was due. Only
     * those this instance sends for (also the way events stored by another instance reach their owner).
     */
    public void sweep() {
        for (AppService as : registrations.all()) {
            try {
                sweep(as);
            } catch (RuntimeException e) {
                // One application service's failure (its row unreadable, say) must not keep the others from
                // their turn: each is looked at in database transactions of its own.
                long now = System.currentTimeMillis();
                if (now >= sweepQuietUntil) {
                    sweepQuietUntil = now + 60_000;
                    LOG.log(Level.WARNING, "Sweep of AS " + as.id() + " failed (such failures are logged at most"
                            + " once a minute): " + e, e);
                }
            }
        }
    }

    private void sweep(AppService as) {
        String asId = as.id();
        if (!as.pushes() || working.contains(asId) || !leases.owns(asId)) {
            return;
        }
        Optional<AppServiceState> state = transactions.state(asId);
        if (state.isPresent() && state.get().isPaused()) {
            return;
        }
        if (state.isPresent() && state.get().isDown()) {
            Optional<Long> due = recoverers.dueAt(asId);
            Long retryAt = state.get().nextRetryAt();
            // Without a recoverer, or with one due later than the state says (brought forward elsewhere).
            if (due.isEmpty() || retryAt != null && retryAt < due.get() - 1000) {
                recoverers.schedule(asId, untilRetry(state.get()));
            }
        } else if (transactions.hasEvents(asId)) {
            kick(asId);
        }
    }

    private Duration untilRetry(AppServiceState state) {
        Long at = state.nextRetryAt();
        if (at == null) {
            return Backoff.delay(state.backoffStep(), backoffMax);
        }
        return Duration.ofMillis(Math.max(0, at - System.currentTimeMillis()));
    }

    private boolean start(String asId, boolean recovering) {
        if (stopping || !working.add(asId)) {
            return false;
        }
        try {
            workers.execute(() -> work(asId, recovering));
            return true;
        } catch (RejectedExecutionException e) {
            working.remove(asId);
            return false;
        }
    }

    private void work(String asId, boolean recovering) {
        boolean finished = false;
        try {
            sendAll(asId, recovering);
            finished = true;
        } catch (RuntimeException e) {
            // The database is unreachable or similar: nothing was lost, the one-second sweep (UP) or
            // the recoverer (DOWN) will come back to this application service.
            LOG.log(Level.WARNING, "Sending to AS " + asId + " stopped: " + e, e);
            if (recovering) {
                recoverers.schedule(asId, Backoff.delay(1, backoffMax));
            }
        } finally {
            working.remove(asId);
        }
        // Items stored while this worker was finishing found it busy; do not leave them for the sweep.
        if (finished && kicked.contains(asId)) {
            kick(asId);
        }
    }

    private void sendAll(String asId, boolean recovering) {
        kicked.remove(asId);
        Optional<AppService> registered = registrations.find(asId);
        if (registered.isEmpty() || !registered.get().pushes()) {
            return; // its items wait until a registration with a URL comes back
        }
        AppService as = registered.get();
        if (recovering && transactions.state(asId).map(AppServiceState::isPaused).orElse(false)) {
            return; // an operator paused it: its items wait, its recoverer waits for the resume
        }
        // Empty when paused, or DOWN and this is no recoverer (its recoverer sends, on its own schedule), or
        // when another instance sends for it now.
        Optional<Transactions.Turn> turn = transactions.next(as, recovering, batch(asId), leases.instanceId());
        if (turn.isEmpty()) {
            return;
        }
        Transactions.Fence fence = turn.get().fence();
        Optional<OutgoingTransaction> next = turn.get().txn();
        boolean progressed = false;
        int sent = 0;
        while (next.isPresent()) {
            OutgoingTransaction txn = next.get();
            if (stopping) {
                return; // the service stops: the transaction goes out, as it is, after the restart or from another instance
            }
            if (!leases.owns(asId)) {
                // The lease may run out before this instance has renewed it (the database is unreachable),
                // or is being handed back: its next owner sends this transaction, with this id and body.
                return;
            }
            CrashPoints.reach("txn-persisted-before-put");
            long start = System.nanoTime();
            SendResult result = sender.send(as, txn);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (result.tooLarge()) {
                if (!refusedAsTooLarge(txn, fence)) {
                    return;
                }
                kicked.remove(asId);
                turn = transactions.next(as, recovering, batch(asId), leases.instanceId());
                if (turn.isEmpty()) {
                    return;
                }
                fence = turn.get().fence();
                next = turn.get().txn();
                continue;
            }
            if (!result.accepted()) {
                metrics.failed(asId, took);
                Optional<Duration> failed = transactions.failed(asId, fence, result.failure(), progressed, backoffMax);
                if (failed.isEmpty()) {
                    return; // its lease changed hands while the PUT was in flight: its holder decides
                }
                Duration wait = failed.get();
                if (recovering) {
                    LOG.info("AS " + asId + " still DOWN (" + result.failure() + "), retrying txn "
                            + txn.txnId() + " in " + wait.toSeconds() + " s");
                } else {
                    LOG.warning("AS " + asId + " DOWN: " + result.failure() + " (txn " + txn.txnId()
                            + "), retrying in " + wait.toSeconds() + " s");
                }
                recoverers.schedule(asId, wait);
                return;
            }
            CrashPoints.reach("put-accepted-before-delete");
            kicked.remove(asId);
            Transactions.Completed completed = transactions.complete(txn, fence, as, recovering, batch(asId));
            if (completed.fenced()) {
                LOG.info("AS " + asId + ": its lease changed hands while txn " + txn.txnId() + " was in flight;"
                        + " what to do next is the lease holder's");
                return;
            }
            metrics.sent(asId, completed.itemsByKind(), took);
            next = completed.next();
            progressed = true;
            sent++;
        }
        if (recovering) {
            Optional<Duration> down = transactions.up(asId, fence);
            if (down.isPresent()) {
                LOG.info("AS " + asId + " UP after " + down.get().toSeconds() + " s, " + sent + " txns resent");
            }
        }
    }

    /**
     * HTTP 413 is no outage: the application service is UP, it only wants smaller transactions. The
     * refused one is abandoned and its items go out again in smaller transactions (half the size, down to
     * the oldest item alone), until one is accepted; an item refused alone becomes a dead letter. Every
     * refusal makes the next transaction smaller or sets an item aside, so a refused transaction is never
     * cut again the same way. False when the lease changed hands meanwhile (nothing was done).
     */
    private boolean refusedAsTooLarge(OutgoingTransaction txn, Transactions.Fence fence) {
        String asId = txn.asId();
        Transactions.Abandoned abandoned = transactions.abandonTooLarge(txn, fence,
                "refused with HTTP 413 (too large) even alone, in txn " + txn.txnId());
        if (abandoned.fenced()) {
            return false;
        }
        Optional<DeadLetter> dead = abandoned.deadLetter();
        Batch batch = batch(asId);
        if (dead.isPresent()) {
            LOG.warning("AS " + asId + " refused a " + dead.get().item().kind() + " alone as too large (txn "
                    + txn.txnId() + "): kept as dead letter " + dead.get().id());
            if (batch.alone()) {
                batches.put(asId, new Batch(1, false)); // found it: the others may go together again
            }
        } else {
            Batch smaller = batch.smallerAfter(txn.itemCount());
            batches.put(asId, smaller);
            LOG.warning("AS " + asId + " refused txn " + txn.txnId() + " (" + txn.itemCount()
                    + " items) as too large: abandoned, its items go again " + (smaller.alone()
                    ? "one at a time, oldest first" : "at most " + smaller.perKind() + " per kind"));
        }
        return true;
    }

    private Batch batch(String asId) {
        return batches.getOrDefault(asId, Batch.FULL);
    }
}
