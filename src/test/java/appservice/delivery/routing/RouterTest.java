package appservice.delivery.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.ingest.Envelope;
import appservice.delivery.ingest.PoisonMessageException;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Namespace;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final String HS = "hs";

    @Test
    void namespacesMatchAnchoredAtTheStartOnly() {
        Namespace irc = namespace("@irc_", true);

        assertTrue(irc.matches("@irc_bob:hs"));
        assertFalse(irc.matches("@bob_irc_x:hs"));
        assertTrue(namespace("@irc_.*:hs", true).matches("@irc_bob:hs.evil.org"), "no end anchor, as in Synapse");
    }

    @Test
    void senderMatchingUsersIsInterested() {
        AppService irc = service("irc", users("@irc_"));

        assertEquals(List.of(irc), Router.interested(message("@irc_bob:hs"), List.of(irc), HS));
        assertEquals(List.of(), Router.interested(message("@bob_irc_x:hs"), List.of(irc), HS));
    }

    @Test
    void theServicesOwnSenderIsInterested() {
        AppService irc = service("irc", List.of(), List.of(), List.of());

        assertEquals(List.of(irc), Router.interested(message("@irc_bot:hs"), List.of(irc), HS));
        assertEquals(List.of(), Router.interested(message("@irc_bot:other"), List.of(irc), HS));
    }

    @Test
    void aMembershipEventForANamespacedUserIsInterested() {
        AppService irc = service("irc", users("@irc_"));

        assertEquals(List.of(irc), Router.interested(
                envelope("@alice:hs", "m.room.member", "@irc_bob:hs", "!r:hs", List.of(), List.of()), List.of(irc), HS));
        assertEquals(List.of(), Router.interested(
                envelope("@alice:hs", "m.room.topic", "@irc_bob:hs", "!r:hs", List.of(), List.of()), List.of(irc), HS),
                "only m.room.member state keys are user ids");
    }

    @Test
    void aNamespacedRoomIsInterested() {
        AppService rooms = service("rooms", List.of(), List.of(), List.of(namespace("!bridged", false)));

        assertEquals(List.of(rooms), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!bridged1:hs", List.of(), List.of()), List.of(rooms), HS));
        assertEquals(List.of(), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!other:hs", List.of(), List.of()), List.of(rooms), HS));
    }

    @Test
    void aRoomWithANamespacedAliasIsInterested() {
        AppService irc = service("irc", List.of(), List.of(namespace("#irc_", true)), List.of());

        assertEquals(List.of(irc), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!r:hs", List.of("#chat:hs", "#irc_libera:hs"), List.of()),
                List.of(irc), HS));
        assertEquals(List.of(), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!r:hs", List.of("#chat:hs"), List.of()), List.of(irc), HS));
    }

    @Test
    void aRoomWithANamespacedMemberIsInterested() {
        AppService irc = service("irc", users("@irc_"));

        assertEquals(List.of(irc), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!r:hs", List.of(), List.of("@alice:hs", "@irc_bob:hs")),
                List.of(irc), HS));
        assertEquals(List.of(), Router.interested(
                envelope("@alice:hs", "m.room.message", null, "!r:hs", List.of(), List.of("@alice:hs")), List.of(irc), HS));
    }

    @Test
    void anyOfSeveralNamespacesIsEnough() {
        AppService bridge = service("bridge", List.of(namespace("@tg_", true), namespace("@wa_", false)));

        assertEquals(List.of(bridge), Router.interested(message("@wa_123:hs"), List.of(bridge), HS));
        assertEquals(List.of(bridge), Router.interested(message("@tg_123:hs"), List.of(bridge), HS));
    }

    @Test
    void exclusivityDoesNotChangeInterest() {
        AppService exclusive = service("exclusive", List.of(namespace("@irc_", true)));
        AppService shared = service("shared", List.of(namespace("@irc_", false)));

        assertEquals(List.of(exclusive, shared),
                Router.interested(message("@irc_bob:hs"), List.of(exclusive, shared), HS));
    }

    @Test
    void returnsEveryInterestedServiceInRegistrationOrder() {
        AppService a = service("a", users("@a_"));
        AppService all = service("all", users("@"));
        AppService none = service("none", users("@nobody_"));
        AppService noUrl = new AppService("nourl", null, "as-nourl", "hs-nourl", "nourl_bot",
                users("@a_"), List.of(), List.of(), true, List.of(), false, "nourl.yaml");

        assertEquals(List.of(all, a, noUrl), Router.interested(message("@a_1:hs"), List.of(all, none, a, noUrl), HS));
    }

    @Test
    void noInterestedServiceMeansAnEmptyList() {
        AppService irc = service("irc", users("@irc_"));

        assertEquals(List.of(), Router.interested(message("@alice:hs"), List.of(irc), HS));
        assertEquals(List.of(), Router.interested(message("@alice:hs"), List.of(), HS));
    }

    @Test
    void anAppserviceIdTargetsThatServiceOnly() {
        AppService irc = service("irc", users("@irc_"));
        AppService other = service("other", users("@"));
        Envelope targeted = new Envelope("event", "{}", "$e:hs", "!r:hs", "@alice:hs", "m.room.message", null,
                "irc", List.of(), List.of());

        assertEquals(List.of(irc), Router.interested(targeted, List.of(other, irc), HS));
    }

    @Test
    void anUnknownAppserviceIdIsPoison() {
        AppService irc = service("irc", users("@irc_"));
        Envelope targeted = new Envelope("event", "{}", "$e:hs", "!r:hs", "@irc_bob:hs", "m.room.message", null,
                "gone", List.of(), List.of());

        PoisonMessageException e = assertThrows(PoisonMessageException.class,
                () -> Router.interested(targeted, List.of(irc), HS));

        assertEquals("unknown appservice_id 'gone'", e.reason());
    }

    private static Envelope message(String sender) {
        return envelope(sender, "m.room.message", null, "!r:hs", List.of(), List.of());
    }

    private static Envelope envelope(String sender, String type, String stateKey, String roomId,
            List<String> aliases, List<String> members) {
        return new Envelope("event", "{}", "$e:hs", roomId, sender, type, stateKey, null, aliases, members);
    }

    private static List<Namespace> users(String regex) {
        return List.of(namespace(regex, true));
    }

    private static Namespace namespace(String regex, boolean exclusive) {
        return new Namespace(Pattern.compile(regex), exclusive);
    }

    private static AppService service(String id, List<Namespace> users) {
        return service(id, users, List.of(), List.of());
    }

    private static AppService service(String id, List<Namespace> users, List<Namespace> aliases, List<Namespace> rooms) {
        return new AppService(id, "http://" + id + ":9000", "as-" + id, "hs-" + id, id + "_bot",
                users, aliases, rooms, true, List.of(), false, id + ".yaml");
    }
}
