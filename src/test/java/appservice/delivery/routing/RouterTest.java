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
                users("@a_"), List.of(), List.of(), true, List.of(), false, false, false, "nourl.yaml");

        assertEquals(List.of(all, a), Router.interested(message("@a_1:hs"), List.of(all, none, a, noUrl), HS),
                "one without a URL is never pushed to, so it gets nothing");
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
        Envelope targeted = new Envelope.Event("{}", "$e:hs", "!r:hs", "@alice:hs", "m.room.message", null,
                "irc", List.of(), List.of());

        assertEquals(List.of(irc), Router.interested(targeted, List.of(other, irc), HS));
    }

    @Test
    void anUnknownAppserviceIdIsPoison() {
        AppService irc = service("irc", users("@irc_"));
        Envelope targeted = new Envelope.Event("{}", "$e:hs", "!r:hs", "@irc_bob:hs", "m.room.message", null,
                "gone", List.of(), List.of());

        PoisonMessageException e = assertThrows(PoisonMessageException.class,
                () -> Router.interested(targeted, List.of(irc), HS));

        assertEquals("unknown appservice_id 'gone'", e.reason());
    }

    @Test
    void routesAnEventAsItsJson() {
        AppService irc = service("irc", users("@irc_"));
        Envelope.Event event = new Envelope.Event("{\"type\":\"m.room.message\"}", "$e:hs", "!r:hs", "@irc_bob:hs",
                "m.room.message", null, null, List.of(), List.of());

        assertEquals(List.of(new Routed(irc, "event", "{\"type\":\"m.room.message\"}")),
                Router.route(event, List.of(irc), HS));
    }

    @Test
    void ephemeralDataGoesOnlyToServicesThatAskedForIt() {
        AppService stable = flagged("stable", users("@irc_"), List.of(), true, false, false);
        AppService unstable = flagged("unstable", users("@irc_"), List.of(), false, true, false);
        AppService none = flagged("none", users("@irc_"), List.of(), false, false, false);
        AppService msc3202Only = flagged("devices", users("@irc_"), List.of(), false, false, true);
        Envelope.Ephemeral online = presence("@irc_bob:hs");

        List<Routed> routed = Router.route(online, List.of(stable, none, unstable, msc3202Only), HS);

        assertEquals(List.of(new Routed(stable, "ephemeral", online.eventJson()),
                new Routed(unstable, "ephemeral", online.eventJson())), routed);
    }

    @Test
    void presenceGoesToServicesInterestedInTheUser() {
        AppService irc = ephemeralService("irc", users("@irc_"));

        AppService bot = ephemeralService("bot", List.of());

        assertEquals(List.of("irc"), ids(Router.route(presence("@irc_bob:hs"), List.of(irc), HS)));
        assertEquals(List.of(), Router.route(presence("@alice:hs"), List.of(irc), HS));
        assertEquals(List.of("bot"), ids(Router.route(presence("@bot_bot:hs"), List.of(bot), HS)), "its own user");
        assertEquals(List.of(), Router.route(presence("@bot_bot:other"), List.of(bot), HS));
    }

    @Test
    void typingAndReceiptsGoToServicesInterestedInTheRoom() {
        AppService rooms = flagged("rooms", List.of(), List.of(namespace("!bridged", false)), true, false, false);
        Envelope.Ephemeral receipt = new Envelope.Ephemeral("{\"type\":\"m.receipt\"}", "m.receipt",
                "!bridged2:hs", null, null, List.of());

        assertEquals(List.of(new Routed(rooms, "ephemeral", "{\"type\":\"m.typing\",\"room_id\":\"!bridged1:hs\"}")),
                Router.route(typing("!bridged1:hs", List.of()), List.of(rooms), HS));
        assertEquals(List.of("rooms"), ids(Router.route(receipt, List.of(rooms), HS)));
        assertEquals(List.of(), Router.route(typing("!other:hs", List.of("@alice:hs")), List.of(rooms), HS));
    }

    @Test
    void typingAndReceiptsGoToServicesWithANamespacedMemberInTheRoom() {
        AppService irc = ephemeralService("irc", users("@irc_"));

        assertEquals(List.of("irc"), ids(Router.route(typing("!r:hs", List.of("@alice:hs", "@irc_bob:hs")), List.of(irc), HS)));
        assertEquals(List.of(), Router.route(typing("!r:hs", List.of("@alice:hs")), List.of(irc), HS));
        assertEquals(List.of(), Router.route(typing("!r:hs", List.of()), List.of(irc), HS));
    }

    @Test
    void toDeviceMessagesGoToTheServiceOfTheRecipient() {
        AppService irc = flagged("irc", users("@irc_"), List.of(), false, true, false);
        AppService withoutFlag = service("plain", users("@irc_"));
        Envelope.ToDevice toBob = toDevice("@irc_bob:hs");

        assertEquals(List.of(new Routed(irc, "to_device", toBob.messageJson())),
                Router.route(toBob, List.of(withoutFlag, irc), HS));
        assertEquals(List.of("bot"), ids(Router.route(toDevice("@bot_bot:hs"), List.of(ephemeralService("bot", List.of())), HS)),
                "its own user");
        assertEquals(List.of(), Router.route(toDevice("@alice:hs"), List.of(irc), HS));
    }

    @Test
    void deviceListsGiveEachServiceOnlyItsOwnUsers() {
        AppService irc = msc3202Service("irc", users("@irc_"));
        AppService telegram = msc3202Service("tg", users("@tg_"));
        AppService nobody = msc3202Service("nobody", users("@nobody_"));
        Envelope.DeviceLists update = new Envelope.DeviceLists(
                List.of("@irc_b:hs", "@alice:hs", "@tg_x:hs", "@irc_a:hs"), List.of("@irc_c:hs", "@tg_bot:hs"), null);

        List<Routed> routed = Router.route(update, List.of(irc, nobody, telegram), HS);

        assertEquals(List.of(
                new Routed(irc, "device_lists", "{\"changed\":[\"@irc_b:hs\",\"@irc_a:hs\"],\"left\":[\"@irc_c:hs\"]}"),
                new Routed(telegram, "device_lists", "{\"changed\":[\"@tg_x:hs\"],\"left\":[\"@tg_bot:hs\"]}")),
                routed);
    }

    @Test
    void deviceListsWithoutAMatchingUserOrWithoutTheFlagAreNotRouted() {
        AppService irc = msc3202Service("irc", users("@irc_"));
        AppService withoutFlag = ephemeralService("eph", users("@"));

        assertEquals(List.of(), Router.route(
                new Envelope.DeviceLists(List.of("@alice:hs"), List.of("@bob:hs"), null), List.of(irc), HS));
        AppService bot = msc3202Service("bot", List.of());
        assertEquals(List.of(new Routed(bot, "device_lists", "{\"changed\":[],\"left\":[\"@bot_bot:hs\"]}")),
                Router.route(new Envelope.DeviceLists(List.of("@alice:hs"), List.of("@bot_bot:hs"), null), List.of(bot), HS),
                "its own user");
        assertEquals(List.of(), Router.route(
                new Envelope.DeviceLists(List.of("@alice:hs"), List.of(), null), List.of(withoutFlag), HS));
    }

    @Test
    void deviceKeysGoToTheServiceOfTheirUser() {
        AppService irc = msc3202Service("irc", users("@irc_"));
        AppService withoutFlag = ephemeralService("eph", users("@irc_"));
        Envelope.DeviceKeys keys = deviceKeys("@irc_bob:hs");

        assertEquals(List.of(new Routed(irc, "device_keys", keys.json())), Router.route(keys, List.of(withoutFlag, irc), HS));
        assertEquals(List.of("bot"), ids(Router.route(deviceKeys("@bot_bot:hs"), List.of(msc3202Service("bot", List.of())), HS)),
                "its own user");
        assertEquals(List.of(), Router.route(deviceKeys("@alice:hs"), List.of(irc), HS));
    }

    @Test
    void servicesWithoutAUrlGetNothingEvenWhenAddressed() {
        AppService noUrl = new AppService("nourl", null, "as-nourl", "hs-nourl", "nourl_bot",
                users("@a_"), List.of(), List.of(), true, List.of(), true, false, true, "nourl.yaml");

        // Nothing sends to it: what it was given would only pile up.
        assertEquals(List.of(), Router.interested(message("@a_1:hs"), List.of(noUrl), HS));
        assertEquals(List.of(), Router.interested(presence("@a_1:hs"), List.of(noUrl), HS));
        assertEquals(List.of(), Router.interested(deviceKeys("@a_1:hs"), List.of(noUrl), HS));
        Envelope addressed = new Envelope.Event("{}", "$e:hs", "!r:hs", "@alice:hs", "m.room.message", null,
                "nourl", List.of(), List.of());
        assertEquals(List.of(), Router.route(addressed, List.of(noUrl), HS), "addressed to it: unwanted, not poison");
    }

    @Test
    void anAppserviceIdTargetsEphemeralDataAtAServiceThatAskedForIt() {
        AppService wants = flagged("wants", users("@nobody_"), List.of(), false, true, false);
        AppService other = ephemeralService("other", users("@"));
        Envelope.Ephemeral targeted = new Envelope.Ephemeral("{\"type\":\"m.typing\"}", "m.typing", "!r:hs", null,
                "wants", List.of());
        Envelope.ToDevice message = new Envelope.ToDevice("{}", "@alice:hs", "wants");

        assertEquals(List.of(new Routed(wants, "ephemeral", "{\"type\":\"m.typing\"}")),
                Router.route(targeted, List.of(other, wants), HS), "its namespaces do not matter");
        assertEquals(List.of(new Routed(wants, "to_device", "{}")), Router.route(message, List.of(other, wants), HS));
    }

    @Test
    void anAppserviceIdDoesNotGiveAServiceDataItDidNotAskFor() {
        AppService plain = service("plain", users("@"));

        assertEquals(List.of(), Router.route(new Envelope.Ephemeral("{}", "m.presence", null, "@a:hs", "plain", List.of()),
                List.of(plain), HS));
        assertEquals(List.of(), Router.route(new Envelope.ToDevice("{}", "@a:hs", "plain"), List.of(plain), HS));
        assertEquals(List.of(), Router.route(new Envelope.DeviceLists(List.of("@a:hs"), List.of(), "plain"), List.of(plain), HS));
        assertEquals(List.of(), Router.route(new Envelope.DeviceKeys("{}", "@a:hs", "D", "plain"), List.of(plain), HS));
    }

    @Test
    void anAppserviceIdTargetsDeviceDataAtAnMsc3202Service() {
        AppService devices = msc3202Service("devices", users("@nobody_"));
        AppService other = msc3202Service("other", users("@"));
        Envelope.DeviceLists lists = new Envelope.DeviceLists(List.of("@a:hs"), List.of("@b:hs"), "devices");
        Envelope.DeviceKeys keys = new Envelope.DeviceKeys("{\"user_id\":\"@a:hs\"}", "@a:hs", "D", "devices");

        assertEquals(List.of(new Routed(devices, "device_lists", "{\"changed\":[\"@a:hs\"],\"left\":[\"@b:hs\"]}")),
                Router.route(lists, List.of(other, devices), HS), "the whole update, as addressed");
        assertEquals(List.of(new Routed(devices, "device_keys", "{\"user_id\":\"@a:hs\"}")),
                Router.route(keys, List.of(other, devices), HS));
    }

    @Test
    void anUnknownAppserviceIdIsPoisonForEveryKind() {
        AppService all = flagged("all", users("@"), List.of(), true, true, true);
        List<Envelope> envelopes = List.of(
                new Envelope.Event("{}", "$e:hs", "!r:hs", "@a:hs", "m.room.message", null, "gone", List.of(), List.of()),
                new Envelope.Ephemeral("{}", "m.presence", null, "@a:hs", "gone", List.of()),
                new Envelope.ToDevice("{}", "@a:hs", "gone"),
                new Envelope.DeviceLists(List.of("@a:hs"), List.of(), "gone"),
                new Envelope.DeviceKeys("{}", "@a:hs", "D", "gone"));

        for (Envelope envelope : envelopes) {
            PoisonMessageException e = assertThrows(PoisonMessageException.class,
                    () -> Router.route(envelope, List.of(all), HS));
            assertEquals("unknown appservice_id 'gone'", e.reason(), envelope.kind());
        }
    }

    private static Envelope message(String sender) {
        return envelope(sender, "m.room.message", null, "!r:hs", List.of(), List.of());
    }

    private static Envelope envelope(String sender, String type, String stateKey, String roomId,
            List<String> aliases, List<String> members) {
        return new Envelope.Event("{}", "$e:hs", roomId, sender, type, stateKey, null, aliases, members);
    }

    private static List<Namespace> users(String regex) {
        return List.of(namespace(regex, true));
    }

    private static Namespace namespace(String regex, boolean exclusive) {
        return new Namespace(Pattern.compile(regex), exclusive);
    }

    @Test
    void theKindsAServiceGetsFollowItsRegistrationInTheOrderOfATransactionBody() {
        assertEquals(List.of("event"), Router.kindsFor(service("plain", List.of())));
        assertEquals(List.of("event", "ephemeral", "to_device"), Router.kindsFor(ephemeralService("eph", List.of())));
        assertEquals(List.of("event", "ephemeral", "to_device"),
                Router.kindsFor(flagged("unstable", List.of(), List.of(), false, true, false)));
        assertEquals(List.of("event", "device_lists", "device_keys"), Router.kindsFor(msc3202Service("keys", List.of())));
        assertEquals(List.of("event", "ephemeral", "to_device", "device_lists", "device_keys"),
                Router.kindsFor(flagged("all", List.of(), List.of(), true, false, true)));
    }

    private static AppService service(String id, List<Namespace> users) {
        return service(id, users, List.of(), List.of());
    }

    private static AppService service(String id, List<Namespace> users, List<Namespace> aliases, List<Namespace> rooms) {
        return new AppService(id, "http://" + id + ":9000", "as-" + id, "hs-" + id, id + "_bot",
                users, aliases, rooms, true, List.of(), false, false, false, id + ".yaml");
    }

    private static AppService flagged(String id, List<Namespace> users, List<Namespace> rooms,
            boolean receiveEphemeral, boolean pushEphemeralUnstable, boolean msc3202) {
        return new AppService(id, "http://" + id + ":9000", "as-" + id, "hs-" + id, id + "_bot",
                users, List.of(), rooms, true, List.of(), receiveEphemeral, pushEphemeralUnstable, msc3202, id + ".yaml");
    }

    private static AppService ephemeralService(String id, List<Namespace> users) {
        return flagged(id, users, List.of(), true, false, false);
    }

    private static AppService msc3202Service(String id, List<Namespace> users) {
        return flagged(id, users, List.of(), false, false, true);
    }

    private static Envelope.Ephemeral presence(String userId) {
        return new Envelope.Ephemeral("{\"type\":\"m.presence\",\"sender\":\"" + userId + "\"}", "m.presence",
                null, userId, null, List.of());
    }

    private static Envelope.Ephemeral typing(String roomId, List<String> members) {
        return new Envelope.Ephemeral("{\"type\":\"m.typing\",\"room_id\":\"" + roomId + "\"}", "m.typing",
                roomId, null, null, members);
    }

    private static Envelope.ToDevice toDevice(String toUserId) {
        return new Envelope.ToDevice("{\"to_user_id\":\"" + toUserId + "\"}", toUserId, null);
    }

    private static Envelope.DeviceKeys deviceKeys(String userId) {
        return new Envelope.DeviceKeys("{\"user_id\":\"" + userId + "\",\"device_id\":\"D\"}", userId, "D", null);
    }

    private static List<String> ids(List<Routed> routed) {
        return routed.stream().map(r -> r.service().id()).toList();
    }
}
