package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An application service that answers 413 gets smaller transactions with new ids instead of the same
 * one forever (Synapse #6478), stays UP, and an item it refuses even alone is kept as a dead letter.
 */
@AppServices({"picky", "mixed|receive_ephemeral: true"})
class TooLargeIT extends OnServer {

    @Test
    void refusedTransactionsAreSplitUntilAcceptedAndAnItemRefusedAloneBecomesADeadLetter() {
        RecordingAppService picky = DeliveryFixture.appService("picky");
        // Takes at most 30 events per transaction, and never an event that mentions "huge".
        picky.answer(body -> body.contains("huge") || eventCount(body) > 30 ? 413 : 200);
        picky.hold();
        List<String> published = new ArrayList<>();
        try (Publisher publisher = new Publisher()) {
            publish(publisher, "$first", published);
            picky.awaitArrivals(1, TIMEOUT);
            // These arrive while the first transaction is in flight, and wait for one transaction of 100.
            for (int i = 0; i < 100; i++) {
                publish(publisher, "$e" + i, published);
            }
            RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "picky") >= 101, TIMEOUT,
                    () -> "pending: " + Admin.appService(baseUrl(), "picky"));
            picky.release();
            // Held longer than the read timeout, the first transaction may have been sent again: same id, same body.
            RecordingAppService.await(() -> picky.eventsOnce().size() >= 101, TIMEOUT, () -> "got " + picky.eventsOnce());

            assertEquals(published, picky.eventsOnce(), "everything, in order");
            Set<String> refused = picky.received().stream().filter(r -> r.answered() == 413)
                    .map(RecordingAppService.Received::txnId).collect(Collectors.toSet());
            assertFalse(refused.isEmpty(), "a transaction of more than 30 was refused: " + picky.received());
            assertTrue(picky.accepted().stream().noneMatch(r -> refused.contains(r.txnId())), "a refused id is never sent again");
            assertTrue(picky.accepted().stream().allMatch(r -> eventCount(r.body()) <= 30));
            DeliveryIT.assertTxnIdsIncrease(picky.received());
            assertEquals("UP", Admin.state(baseUrl(), "picky"), "413 is not an outage");

            // An event refused even alone: a dead letter, and what comes after it still arrives.
            publisher.publish(Publisher.event("$huge", "!r:localhost", "@picky_a:localhost"), "!r:localhost");
            publish(publisher, "$after", published);
            RecordingAppService.await(() -> picky.eventsOnce().size() >= 102, TIMEOUT, () -> "got " + picky.eventsOnce());
            assertEquals("$after", picky.eventsOnce().get(101));
            assertFalse(picky.eventsOnce().contains("$huge"));
            RecordingAppService.await(() -> deadLettersOf("picky").contains("$huge"), TIMEOUT,
                    () -> "no dead letter: " + deadLettersOf("picky"));
            assertEquals(0, Admin.pendingEvents(baseUrl(), "picky"));
        }
    }

    @Test
    void anItemRefusedBesideOneOfAnotherKindIsTriedAloneAndSetAside() {
        RecordingAppService mixed = DeliveryFixture.appService("mixed");
        String room = "!mixed:localhost";
        mixed.answer(body -> body.contains("huge") ? 413 : 200);
        mixed.hold();
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$m0", room, "@mixed_a:localhost"), room);
            mixed.awaitArrivals(1, TIMEOUT);
            // While the first transaction is in flight: an event the application service will always refuse, and a
            // typing event of the same room. They wait, to be cut into one transaction of two kinds, one item each.
            publisher.publish(Publisher.event("$huge", room, "@mixed_a:localhost"), room);
            publisher.publish("{\"kind\":\"ephemeral\",\"event\":{\"type\":\"m.typing\",\"room_id\":\"" + room
                    + "\",\"content\":{\"user_ids\":[\"@mixed_a:localhost\"]}},\"room_members\":[\"@mixed_a:localhost\"]}", room);
            RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "mixed") >= 3, TIMEOUT,
                    () -> "pending: " + Admin.appService(baseUrl(), "mixed"));
            mixed.release();
            publisher.publish(Publisher.event("$after", room, "@mixed_a:localhost"), room);

            RecordingAppService.await(() -> mixed.eventsOnce().size() >= 2, TIMEOUT, () -> "got " + mixed.received());
            assertEquals(List.of("$m0", "$after"), mixed.eventsOnce(), "all but the refused one, in order");
            assertTrue(mixed.accepted().stream().anyMatch(r -> r.body().contains("m.typing")), "the typing event too");
            long refusals = mixed.received().stream().filter(r -> r.answered() == 413).count();
            assertTrue(refusals <= 10, "each refusal makes the next transaction smaller; " + refusals + " refusals");
            DeliveryIT.assertTxnIdsIncrease(mixed.received());
            assertTrue(deadLettersOf("mixed").contains("$huge"), "the refused event is a dead letter: "
                    + deadLettersOf("mixed"));
        }
    }

    /** The bodies of the application service's dead letters, from the admin API. */
    private String deadLettersOf(String asId) {
        String list = Http.send("GET", baseUrl() + "api/dead-letters", "Bearer it-admin-token", null).body();
        return jakarta.json.Json.createReader(new java.io.StringReader(list)).readObject().getJsonArray("items")
                .getValuesAs(jakarta.json.JsonObject.class).stream()
                .filter(letter -> asId.equals(letter.getString("appservice_id", ""))).map(Object::toString)
                .collect(Collectors.joining("\n"));
    }

    private static void publish(Publisher publisher, String eventId, List<String> published) {
        publisher.publish(Publisher.event(eventId, "!r:localhost", "@picky_a:localhost"), "!r:localhost");
        published.add(eventId);
    }

    private static int eventCount(String body) {
        return body.split("\"event_id\"", -1).length - 1;
    }
}
