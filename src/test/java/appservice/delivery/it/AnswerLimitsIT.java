package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The deadline of a PUT is for the whole of it (the tests' delivery.http.read-timeout, 5 s), not for each
 * read: an application service whose answer comes one byte a second, from its status line or from its body
 * on, is given up on at the deadline with its connection closed, is DOWN until it answers in time, and then
 * gets the same transaction; another one keeps receiving meanwhile. Of an answer the service reads no more
 * than 64 KiB: one of many megabytes is taken by its status.
 */
@AppServices(value = {"trickling", "dribbling", "verbose", "healthy"}, slowLinks = {"trickling", "dribbling"})
class AnswerLimitsIT extends OnServer {

    /** The deadline and a generous margin; a trickled answer would take a hundred seconds or more. */
    private static final Duration GIVEN_UP_WITHIN = Duration.ofSeconds(25);

    @Test
    void anAnswerWhoseStatusLineComesOneByteASecondIsGivenUpOnAtTheDeadline() {
        givenUpOnAtTheDeadlineThenSentTheSameTransaction("trickling", SlowLink.Pace.ONE_BYTE_A_SECOND);
    }

    @Test
    void anAnswerWhoseBodyComesOneByteASecondAfterA200IsGivenUpOnAtTheDeadline() {
        DeliveryFixture.appService("dribbling").answerBodyOf(300);
        givenUpOnAtTheDeadlineThenSentTheSameTransaction("dribbling", SlowLink.Pace.BODY_ONE_BYTE_A_SECOND);
    }

    @Test
    void anAnswerOfManyMegabytesIsTakenByItsStatusWithoutBeingReadWhole() {
        RecordingAppService verbose = DeliveryFixture.appService("verbose");
        verbose.answerBodyOf(64L * 1024 * 1024);
        try (Publisher publisher = new Publisher()) {
            for (int i = 0; i < 3; i++) {
                publisher.publish(Publisher.event("$verbose" + i, "!verbose:localhost", "@verbose_a:localhost"),
                        "!verbose:localhost");
                verbose.awaitDelivered(i + 1, TIMEOUT);
            }
        }
        RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "verbose") == 0, TIMEOUT,
                () -> "verbose still has events waiting: " + Admin.appService(baseUrl(), "verbose"));

        assertEquals(List.of("$verbose0", "$verbose1", "$verbose2"), verbose.deliveredEventIds());
        List<String> txnIds = verbose.received().stream().map(RecordingAppService.Received::txnId).toList();
        assertEquals(txnIds.size(), txnIds.stream().distinct().count(), "a transaction was sent again: " + txnIds);
        assertEquals("UP", appService("verbose").getString("state"));
        assertTrue(verbose.droppedAnswers() >= 1, "the service read the whole 64 MB answer");
        assertTrue(Health.isReady(baseUrl()), "not ready: " + Health.ready(baseUrl()));
    }

    private void givenUpOnAtTheDeadlineThenSentTheSameTransaction(String id, SlowLink.Pace pace) {
        RecordingAppService slow = DeliveryFixture.appService(id);
        RecordingAppService healthy = DeliveryFixture.appService("healthy");
        int healthyBefore = healthy.deliveredEventIds().size();
        slow.trickle(pace);
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$" + id, "!" + id + ":localhost", "@" + id + "_a:localhost"),
                    "!" + id + ":localhost");
            slow.awaitRequests(1, TIMEOUT);
            for (int i = 0; i < 10; i++) {
                String room = "!" + id + "-healthy" + i + ":localhost";
                publisher.publish(Publisher.event("$" + id + "-healthy" + i, room, "@healthy_a:localhost"), room);
            }
        }
        healthy.awaitDelivered(healthyBefore + 10, TIMEOUT);

        RecordingAppService.await(() -> "DOWN".equals(appService(id).getString("state")), GIVEN_UP_WITHIN,
                () -> id + " is not DOWN while its answer trickles in: " + appService(id));
        String reason = appService(id).getJsonObject("last_error").getString("reason");
        assertTrue(reason.contains("delivery.http.read-timeout"), "the reason does not name the deadline: " + reason);
        RecordingAppService.await(() -> slow.droppedAnswers() >= 1, Duration.ofSeconds(5),
                () -> "the service never closed its connection to " + id);
        assertEquals("UP", appService("healthy").getString("state"));

        slow.trickle(SlowLink.Pace.FULL);
        RecordingAppService.await(() -> "UP".equals(appService(id).getString("state")), TIMEOUT,
                () -> id + " is not UP again: " + appService(id));
        assertEquals(0, Admin.pendingEvents(baseUrl(), id));
        List<RecordingAppService.Received> requests = slow.received();
        assertTrue(requests.size() >= 2, id + " was never sent its transaction again");
        RecordingAppService.Received first = requests.get(0);
        assertEquals(List.of("$" + id), first.eventIds());
        assertEquals(List.of(first.txnId()), requests.stream().map(RecordingAppService.Received::txnId).distinct()
                .collect(Collectors.toList()), "each retry keeps the transaction id");
        assertEquals(List.of(first.body()), requests.stream().map(RecordingAppService.Received::body).distinct()
                .collect(Collectors.toList()), "each retry keeps the transaction's events");
    }

    /** The admin API's view of an application service. */
    private JsonObject appService(String id) {
        String body = Http.send("GET", baseUrl() + "api/appservices/" + id, "Bearer it-admin-token", null).body();
        return Json.createReader(new StringReader(body)).readObject();
    }
}
