package appservice.delivery.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private static final String EVENT = """
            {"event_id": "$abc:hs", "room_id": "!room:hs", "sender": "@alice:hs",
             "type": "m.room.message", "origin_server_ts": 1700000000000,
             "content": {"msgtype": "m.text", "body": "héllo"}}""";

    @Test
    void parsesAValidEnvelope() {
        Envelope envelope = Envelope.parse("""
                {"kind": "event", "event": {"event_id": "$m:hs", "room_id": "!room:hs", "sender": "@alice:hs",
                  "type": "m.room.member", "state_key": "@irc_bob:hs", "content": {"membership": "invite"}},
                 "appservice_id": "irc", "room_aliases": ["#a:hs", "#b:hs"], "room_members": ["@alice:hs"]}""");

        assertEquals("event", envelope.kind());
        assertEquals("$m:hs", envelope.eventId());
        assertEquals("!room:hs", envelope.roomId());
        assertEquals("@alice:hs", envelope.sender());
        assertEquals("m.room.member", envelope.type());
        assertEquals("@irc_bob:hs", envelope.stateKey());
        assertEquals("irc", envelope.appserviceId());
        assertEquals(List.of("#a:hs", "#b:hs"), envelope.roomAliases());
        assertEquals(List.of("@alice:hs"), envelope.roomMembers());
    }

    @Test
    void optionalFieldsMayBeAbsentOrNull() {
        Envelope absent = Envelope.parse("{\"kind\": \"event\", \"event\": " + EVENT + "}");
        Envelope nulls = Envelope.parse("{\"kind\": \"event\", \"event\": " + EVENT
                + ", \"appservice_id\": null, \"room_aliases\": null, \"room_members\": null}");

        for (Envelope envelope : List.of(absent, nulls)) {
            assertNull(envelope.stateKey());
            assertNull(envelope.appserviceId());
            assertEquals(List.of(), envelope.roomAliases());
            assertEquals(List.of(), envelope.roomMembers());
        }
    }

    @Test
    void eventJsonIsTheCompactEventAndStable() {
        String text = "{\"kind\": \"event\",\n  \"event\": " + EVENT + "}";

        Envelope envelope = Envelope.parse(text);

        assertEquals("{\"event_id\":\"$abc:hs\",\"room_id\":\"!room:hs\",\"sender\":\"@alice:hs\","
                + "\"type\":\"m.room.message\",\"origin_server_ts\":1700000000000,"
                + "\"content\":{\"msgtype\":\"m.text\",\"body\":\"héllo\"}}", envelope.eventJson());
        assertEquals(envelope.eventJson(), Envelope.parse(text).eventJson());
        assertEquals(envelope.eventJson(), Envelope.parse(
                "{\"kind\":\"event\",\"event\":" + envelope.eventJson() + "}").eventJson());
    }

    @Test
    void rejectsWhatIsNotAJsonObject() {
        assertPoison(null, "no message body");
        assertPoison("", "not JSON");
        assertPoison("{\"kind\": \"event\",", "not JSON");
        assertPoison("<xml/>", "not JSON");
        assertPoison("{\"kind\": \"event\", \"event\": " + EVENT + "} {}", "not JSON");
        assertPoison("{\"kind\": \"event\", \"event\": " + EVENT + "} trailing", "not JSON");
        assertPoison("[1, 2]", "not a JSON object but an array");
        assertPoison("\"event\"", "not a JSON object but a string");
    }

    @Test
    void rejectsAMissingOrUnknownKind() {
        assertPoison("{\"event\": " + EVENT + "}", "missing 'kind'");
        assertPoison("{\"kind\": 1, \"event\": " + EVENT + "}", "'kind' is not a string but a number");
        assertPoison("{\"kind\": \"typing\", \"event\": " + EVENT + "}", "unknown kind 'typing'");
    }

    @Test
    void rejectsAMissingOrMalformedEvent() {
        assertPoison("{\"kind\": \"event\"}", "missing 'event'");
        assertPoison("{\"kind\": \"event\", \"event\": \"$abc:hs\"}", "'event' is not an object but a string");
        assertPoison("{\"kind\": \"event\", \"event\": null}", "'event' is not an object but null");
    }

    @Test
    void rejectsAnEventWithoutItsRequiredStrings() {
        for (String key : List.of("event_id", "room_id", "sender", "type")) {
            assertPoison(envelope(event(key, null)), "missing 'event." + key + "'");
            assertPoison(envelope(event(key, "42")), "'event." + key + "' is not a string but a number");
        }
    }

    @Test
    void rejectsAStateKeyThatIsNotAString() {
        assertPoison(envelope(event("state_key", "{}")), "'event.state_key' is not a string but an object");
        assertPoison(envelope(event("state_key", "null")), "'event.state_key' is not a string but null");
    }

    @Test
    void rejectsBadRoutingHints() {
        assertPoison(envelopeWith("\"appservice_id\": 7"), "'appservice_id' is not a string but a number");
        assertPoison(envelopeWith("\"room_aliases\": \"#a:hs\""), "'room_aliases' is not an array of strings but a string");
        assertPoison(envelopeWith("\"room_aliases\": [\"#a:hs\", 3]"), "'room_aliases' is not an array of strings: it holds a number");
        assertPoison(envelopeWith("\"room_members\": {}"), "'room_members' is not an array of strings but an object");
        assertPoison(envelopeWith("\"room_members\": [null]"), "'room_members' is not an array of strings: it holds null");
    }

    @Test
    void acceptsAnEventOfExactlyTheLimit() {
        String event = eventOfSize(Envelope.MAX_EVENT_BYTES);

        Envelope envelope = Envelope.parse(envelope(event));

        assertEquals(Envelope.MAX_EVENT_BYTES, envelope.eventJson().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void rejectsAnEventOneByteOverTheLimit() {
        String event = eventOfSize(Envelope.MAX_EVENT_BYTES + 1);

        assertPoison(envelope(event), "event $big:hs is 65537 bytes of JSON, more than the limit of 65536 bytes");
    }

    @Test
    void countsTheLimitInUtf8Bytes() {
        // 'é' is one char but two bytes: a body of 40,000 of them is 80,000 bytes.
        String event = "{\"event_id\":\"$big:hs\",\"room_id\":\"!r:hs\",\"sender\":\"@a:hs\",\"type\":\"m.room.message\","
                + "\"content\":{\"body\":\"" + "é".repeat(40_000) + "\"}}";

        PoisonMessageException e = assertThrows(PoisonMessageException.class, () -> Envelope.parse(envelope(event)));

        assertTrue(e.reason().contains("more than the limit of 65536 bytes"), e.reason());
    }

    /** A compact event whose UTF-8 serialisation is exactly {@code bytes} long. */
    private static String eventOfSize(int bytes) {
        String head = "{\"event_id\":\"$big:hs\",\"room_id\":\"!r:hs\",\"sender\":\"@a:hs\",\"type\":\"m.room.message\","
                + "\"content\":{\"body\":\"";
        String tail = "\"}}";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }

    private static String envelope(String event) {
        return "{\"kind\": \"event\", \"event\": " + event + "}";
    }

    private static String envelopeWith(String member) {
        return "{\"kind\": \"event\", \"event\": " + EVENT + ", " + member + "}";
    }

    /** The valid event with {@code key} set to the raw JSON {@code value}, or removed if {@code value} is null. */
    private static String event(String key, String value) {
        StringBuilder json = new StringBuilder("{");
        for (String k : List.of("event_id", "room_id", "sender", "type")) {
            if (!k.equals(key)) {
                json.append('"').append(k).append("\":\"x\",");
            }
        }
        if (value != null) {
            json.append('"').append(key).append("\":").append(value).append(',');
        }
        return json.append("\"content\":{}}").toString();
    }

    private static void assertPoison(String text, String reason) {
        PoisonMessageException e = assertThrows(PoisonMessageException.class, () -> Envelope.parse(text));
        assertTrue(e.reason().startsWith(reason), () -> "expected '" + reason + "' but got '" + e.reason() + "'");
    }
}
