package appservice.delivery.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import appservice.delivery.transactions.DeadLetter;
import appservice.delivery.transactions.Item;
import org.junit.jupiter.api.Test;

class ReplayTest {

    @Test
    void anItemGoesBackAsAnEnvelopeOfItsKindForItsApplicationService() {
        DeadLetter event = item("bridge", "event", "{\"event_id\":\"$e\",\"room_id\":\"!r:hs\"}");
        assertEquals("{\"kind\":\"event\",\"event\":{\"event_id\":\"$e\",\"room_id\":\"!r:hs\"},\"appservice_id\":\"bridge\"}",
                Replay.envelopeOf(event));
        assertEquals("!r:hs", Replay.groupOf(event));

        DeadLetter toDevice = item("bridge", "to_device", "{\"type\":\"m.x\",\"to_user_id\":\"@u:hs\"}");
        assertEquals("{\"kind\":\"to_device\",\"message\":{\"type\":\"m.x\",\"to_user_id\":\"@u:hs\"},\"appservice_id\":\"bridge\"}",
                Replay.envelopeOf(toDevice));
        assertNull(Replay.groupOf(toDevice));

        DeadLetter lists = item("bridge", "device_lists", "{\"changed\":[\"@a:hs\"],\"left\":[]}");
        assertEquals("{\"kind\":\"device_lists\",\"changed\":[\"@a:hs\"],\"left\":[],\"appservice_id\":\"bridge\"}",
                Replay.envelopeOf(lists));
    }

    private static DeadLetter item(String asId, String kind, String json) {
        return DeadLetter.item(asId, new Item(kind, json), "refused", 0L);
    }
}
