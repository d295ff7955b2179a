package appservice.delivery.admin;

import appservice.delivery.transactions.DeadLetter;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;

/**
 * What replaying a dead letter puts back on the queue: a message as it came; an item as an envelope of
 * its kind addressed to the application service that refused it.
 */
final class Replay {

    private Replay() {
    }

    static String envelopeOf(DeadLetter letter) {
        if (letter.isMessage()) {
            return letter.item().json();
        }
        JsonObject item = Json.createReader(new StringReader(letter.item().json())).readObject();
        JsonObjectBuilder envelope = Json.createObjectBuilder().add("kind", letter.item().kind());
        switch (letter.item().kind()) {
            case "event", "ephemeral" -> envelope.add("event", item);
            case "to_device" -> envelope.add("message", item);
            default -> item.forEach(envelope::add); // device_lists, device_keys: the fields themselves
        }
        return envelope.add("appservice_id", letter.asId()).build().toString();
    }

    /**
     * The duplicate id the replayed message carries (Artemis drops a second message with the same one): the
     * dead letter's id with its time, which no dead letter of another database (ids start again) shares.
     */
    static String duplicateIdOf(DeadLetter letter) {
        return "dead-letter-" + letter.id() + "-" + letter.createdAt();
    }

    /** The JMSXGroupID to replay with: the message's own, or the item's room. */
    static String groupOf(DeadLetter letter) {
        if (letter.isMessage()) {
            return letter.groupId();
        }
        JsonValue room = Json.createReader(new StringReader(letter.item().json())).readObject().get("room_id");
        return room instanceof jakarta.json.JsonString s ? s.getString() : null;
    }
}
