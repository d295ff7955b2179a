package appservice.delivery.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A homeserver's stream of room events on its own thread: {@code events} events over {@code rooms}
 * rooms, each for one application service by its sender, every fifth also for the next one as a room
 * member; published in batches through a {@link FaultPublisher} and recorded in the {@link Ledger}
 * once the broker has them.
 */
final class Traffic {

    private static final int ROOMS = 50;

    private final Ledger ledger;
    private final String brokerUrl;
    private final List<String> asIds;
    private final int events;
    private final int batch;
    private final int perSecond;
    private final AtomicInteger published = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread thread;
    private long resends;

    /** {@code perSecond} 0: as fast as the broker takes them. */
    Traffic(Ledger ledger, String brokerUrl, List<String> asIds, int events, int batch, int perSecond) {
        this.ledger = ledger;
        this.brokerUrl = brokerUrl;
        this.asIds = List.copyOf(asIds);
        this.events = events;
        this.batch = batch;
        this.perSecond = perSecond;
    }

    static String envelope(String eventId, String roomId, String asId, List<String> alsoFor) {
        StringBuilder members = new StringBuilder();
        for (String other : alsoFor) {
            members.append(members.isEmpty() ? "" : ",").append("\"@").append(other).append("_member:localhost\"");
        }
        return "{\"kind\":\"event\",\"event\":{\"event_id\":\"" + eventId + "\",\"room_id\":\"" + roomId
                + "\",\"sender\":\"@" + asId + "_user:localhost\",\"type\":\"m.room.message\",\"origin_server_ts\":1,"
                + "\"content\":{\"msgtype\":\"m.text\",\"body\":\"hello " + eventId + "\"}},"
                + "\"room_members\":[" + members + "]}";
    }

    Traffic start() {
        thread = new Thread(this::run, "traffic");
        thread.start();
        return this;
    }

    int published() {
        return published.get();
    }

    long resends() {
        return resends;
    }

    /** Waits until every event is published; rethrows what stopped the publishing. */
    void await(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (failure.get() != null) {
            throw new AssertionError("publishing failed after " + published() + " events", failure.get());
        }
        if (thread.isAlive()) {
            throw new AssertionError("publishing took longer than " + timeout + ": " + published() + " of " + events);
        }
    }

    private void run() {
        long start = System.nanoTime();
        try (FaultPublisher publisher = new FaultPublisher(brokerUrl)) {
            for (int first = 0; first < events; first += batch) {
                List<FaultPublisher.Outgoing> outgoing = new ArrayList<>();
                List<List<String>> recipients = new ArrayList<>();
                for (int n = first; n < Math.min(events, first + batch); n++) {
                    int room = n % ROOMS;
                    String as = asIds.get(n % asIds.size());
                    List<String> also = n % 5 == 0 && asIds.size() > 1
                            ? List.of(asIds.get((n + 1) % asIds.size())) : List.of();
                    String eventId = Ledger.eventId(room, n);
                    outgoing.add(new FaultPublisher.Outgoing(envelope(eventId, Ledger.roomId(room), as, also),
                            Ledger.roomId(room), eventId));
                    List<String> to = new ArrayList<>(also);
                    to.add(0, as);
                    recipients.add(to);
                }
                publisher.publish(outgoing);
                for (int i = 0; i < outgoing.size(); i++) {
                    ledger.published(outgoing.get(i).eventId(), recipients.get(i));
                }
                published.addAndGet(outgoing.size());
                pace(start);
            }
            resends = publisher.resends();
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    private void pace(long start) throws InterruptedException {
        if (perSecond > 0) {
            long due = start + published.get() * 1_000_000_000L / perSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }
}
