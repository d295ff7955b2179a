package appservice.delivery.registrations;

import java.util.List;
import java.util.Objects;

/**
 * An application service as its registration file declares it; {@code url == null} means nothing is pushed.
 * {@code pushEphemeralUnstable} is MSC2409's unstable {@code de.sorunome.msc2409.push_ephemeral} flag,
 * {@code msc3202} the unstable {@code org.matrix.msc3202} flag (device lists and one-time key counts).
 */
public record AppService(
        String id,
        String url,
        String asToken,
        String hsToken,
        String senderLocalpart,
        List<Namespace> users,
        List<Namespace> aliases,
        List<Namespace> rooms,
        boolean rateLimited,
        List<String> protocols,
        boolean receiveEphemeral,
        boolean pushEphemeralUnstable,
        boolean msc3202,
        String source) {

    public AppService {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(asToken, "asToken");
        Objects.requireNonNull(hsToken, "hsToken");
        Objects.requireNonNull(senderLocalpart, "senderLocalpart");
        Objects.requireNonNull(source, "source");
        users = List.copyOf(users);
        aliases = List.copyOf(aliases);
        rooms = List.copyOf(rooms);
        protocols = List.copyOf(protocols);
    }

    public String senderUserId(String serverName) {
        return "@" + senderLocalpart + ":" + serverName;
    }

    public boolean pushes() {
        return url != null;
    }

    /** Whether it asked for ephemeral data (typing, receipts, presence, to-device), by the stable or the unstable flag. */
    public boolean wantsEphemeral() {
        return receiveEphemeral || pushEphemeralUnstable;
    }

    // The generated toString would print both tokens into any log line that mentions the service.
    @Override
    public String toString() {
        return "AppService[id=" + id + ", url=" + url + ", senderLocalpart=" + senderLocalpart
                + ", source=" + source + "]";
    }
}
