package appservice.delivery.routing;

import appservice.delivery.registrations.AppService;
import java.util.Objects;

/**
 * One item for one application service: the envelope's kind and the JSON stored and sent for it, which
 * for a device-list update holds only the users that service is interested in.
 */
public record Routed(AppService service, String kind, String json) {

    public Routed {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(json, "json");
    }
}
